use super::*;

fn one(s: &str) -> (QKind, i64, Option<i64>, String) {
    let q = scan(s);
    assert_eq!(q.len(), 1, "{s}: {q:?}");
    (q[0].kind, q[0].min, q[0].max, q[0].unit.clone())
}

#[test]
fn quantities() {
    assert_eq!(
        one("每年开展1-2次赴广东的旅游推介活动"),
        (QKind::Count, 1, Some(2), "次".into())
    );
    assert_eq!(
        one("不少于100万元"),
        (QKind::Money, 1_000_000, None, "元".into())
    );
    assert_eq!(
        one("每年省、市财政援助资金1.8亿元"),
        (QKind::Money, 180_000_000, None, "元".into())
    );
    assert_eq!(
        one("每年接收昭通挂职干部10人次"),
        (QKind::Count, 10, None, "人次".into())
    );
    assert_eq!(
        one("挂职时间不少于1年"),
        (QKind::Duration, 12, None, "月".into())
    );
    assert_eq!(
        one("每年召开一次联席会议"),
        (QKind::Count, 1, None, "次".into())
    );
    assert!(scan("采取“0+3”模式，落实“1+8”协议，2018-2020年，每年11月前，9月25日").is_empty());
    let q = scan("2018年招收1600名，2019年招收1900名");
    assert_eq!(
        (q[0].year, q[0].min, q[1].year, q[1].min),
        (Some(2018), 1600, Some(2019), 1900)
    );
    let q = scan("1.8亿元（省财政1800万，市财政16200万）");
    assert_eq!(
        q.iter().map(|q| q.min).collect::<Vec<_>>(),
        vec![180_000_000, 18_000_000, 162_000_000]
    );
    assert_eq!(scan("每年组织一批义诊")[0].kind, QKind::Batch);
}

#[test]
fn deadlines() {
    assert_eq!(deadline("每年第一季度前划拨到位"), Some((3, 31)));
    assert_eq!(deadline("每年11月前"), Some((10, 31)));
    assert_eq!(deadline("每年6月底前"), Some((6, 30)));
    assert_eq!(deadline("9月15日前"), Some((9, 15)));
    assert_eq!(deadline("2018-2020年"), None);
}
