use super::*;

#[test]
fn headings() {
    assert_eq!(
        heading("二、工作任务"),
        Some(Heading::L1("二".into(), "工作任务".into()))
    );
    assert_eq!(
        heading("(一)指导思想。坚持"),
        Some(Heading::L2("一".into(), "指导思想".into(), "坚持".into()))
    );
    assert_eq!(
        heading("1、深入开展"),
        Some(Heading::Numbered(1, "深入开展".into()))
    );
    assert_eq!(heading("1.8亿元"), None);
    assert_eq!(heading("2018-2020年，根据"), None);
}

#[test]
fn numbers_dates_and_pairs() {
    assert_eq!(
        document_no("东扶贫〔2018〕5号"),
        Some("东扶贫〔2018〕5号".into())
    );
    assert_eq!(
        document_no("佛协[2021]12号"),
        Some("佛协〔2021〕12号".into())
    );
    assert_eq!(date_of("2018年9月25日"), Some((2018, 9, 25)));
    assert_eq!(date_of("二〇二一年三月一日"), Some((2021, 3, 1)));
    assert_eq!(year_range("方案（2018-2020年）"), Some((2018, 2020)));
    assert_eq!(
        title_pair("东莞·昭通扶贫协作三年行动的实施方案（2018-2020年）"),
        Some(("东莞".into(), "昭通".into()))
    );
}

#[test]
fn split_paragraphs_are_joined() {
    let lines = prepare(
        "为进一步做好我市的东西部扶贫协作工作，按照国家\n\n和省的有关部署要求。\n一、总体要求",
    );
    assert_eq!(lines.len(), 2);
    assert!(lines[0].text.ends_with("部署要求。"));
}
