//! Names of people, townships, villages, firms and products, and the city's
//! departments, schools and hospitals the generators draw from.

use duikou_domain::plan_scale::split_copy;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::rows::pick;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任",
    "沈", "姚", "卢", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "韦", "贾", "夏",
    "付", "方", "邹", "熊", "白", "孟", "秦", "邱", "侯", "江", "尹", "薛", "段", "雷", "龙", "黎",
    "史", "陶", "贺", "毛", "顾", "龚", "邵", "万", "陇", "禄", "安", "申", "朱", "王", "李", "张",
    "陈", "杨", "刘", "罗", "赵", "吴",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "华", "建", "国", "志", "永", "健", "红", "玲",
    "丹", "萍", "鹏", "飞", "宇", "浩", "俊", "帆", "婷", "雪", "琴", "云", "梅", "燕", "海", "波",
    "斌", "亮", "辉", "林", "峰", "成", "文", "德", "才", "学", "春", "龙", "凤", "彬", "忠", "荣",
    "贵", "发", "富", "顺", "兴", "福", "昌", "琼", "仙", "翠", "美", "会", "应", "开", "绍", "正",
    "家", "先", "光", "天", "金", "银", "玉", "秋", "冬", "欢", "佳", "思", "雨", "晨", "子", "涵",
];

/// A plausible Chinese name from a number: surname plus one or two given-name characters.
pub(super) fn name_of(code: u32) -> String {
    let s = SURNAMES.len() as u32;
    let g = GIVEN.len() as u32;
    let surname = SURNAMES[(code % s) as usize];
    let rest = code / s;
    let first = GIVEN[(rest % g) as usize];
    let rest = rest / g;
    if rest.is_multiple_of(4) {
        format!("{surname}{first}")
    } else {
        let second = GIVEN[((rest / 4) % g) as usize];
        format!("{surname}{first}{second}")
    }
}

pub(super) fn random_name(rng: &mut ChaCha8Rng) -> String {
    name_of(rng.gen_range(0..u32::MAX))
}

/// Townships (乡镇) of each assisted county, for west-side parties and places.
pub(super) fn townships(county: &str) -> &'static [&'static str] {
    match split_copy(county).0 {
        "昭阳区" => &[
            "苏家院镇",
            "洒渔镇",
            "炎山镇",
            "大山包镇",
            "田坝乡",
            "小龙洞乡",
            "青岗岭乡",
            "靖安镇",
            "布嘎乡",
            "盘河镇",
        ],
        "鲁甸县" => &[
            "龙头山镇",
            "火德红镇",
            "小寨镇",
            "水磨镇",
            "梭山镇",
            "乐红镇",
            "桃源乡",
            "茨院乡",
            "江底镇",
            "龙树镇",
        ],
        "巧家县" => &[
            "白鹤滩镇",
            "大寨镇",
            "药山镇",
            "小河镇",
            "蒙姑镇",
            "东坪镇",
            "崇溪镇",
            "马树镇",
            "炉房镇",
            "红山乡",
            "老店镇",
            "金塘镇",
        ],
        "镇雄县" => &[
            "乌峰镇",
            "以勒镇",
            "泼机镇",
            "塘房镇",
            "母享镇",
            "坡头镇",
            "芒部镇",
            "雨河镇",
            "牛场镇",
            "场坝镇",
            "五德镇",
            "花山乡",
            "果珠乡",
            "林口乡",
        ],
        "彝良县" => &[
            "角奎镇",
            "洛泽河镇",
            "牛街镇",
            "钟鸣镇",
            "龙海镇",
            "小草坝镇",
            "柳溪苗族乡",
            "树林彝族苗族乡",
            "海子镇",
            "两河镇",
            "荞山镇",
        ],
        "威信县" => &[
            "扎西镇",
            "水田镇",
            "旧城镇",
            "罗布镇",
            "林凤镇",
            "双河苗族彝族乡",
            "三桃乡",
            "高田乡",
            "长安镇",
            "庙沟镇",
        ],
        _ => &["新场乡", "河坝镇", "石门乡", "大坪镇", "青山乡", "中寨镇"],
    }
}

pub(super) const WEST_VILLAGES: &[&str] = &[
    "大坪", "新街", "石门", "龙井", "花果", "鱼塘", "双河", "青山", "河坝", "岩脚", "白泥", "松林",
    "坪上", "中寨", "黑树", "老街", "田坝", "箐口", "偏坡", "马鞍", "高峰", "杉树", "核桃", "木瓜",
];

pub(super) const EAST_VILLAGES: &[&str] = &[
    "新村", "上元", "铁场", "三中", "浮岗", "荔横", "九乡", "大塘", "石步", "西湖", "黄沙", "罗村",
    "长龙", "江南", "横坑", "梅塘", "石鼓", "水平", "田心", "金星", "南坊", "北王", "桥头", "鹤田",
];

pub(super) fn west_village(rng: &mut ChaCha8Rng, county: &str) -> String {
    format!(
        "{}{}村",
        pick(rng, townships(county)),
        pick(rng, WEST_VILLAGES)
    )
}

const BRANDS: &[&str] = &[
    "宏达", "信诚", "鸿运", "粤华", "丰泰", "嘉盛", "兴业", "永昌", "德力", "美嘉", "新科", "立信",
    "恒通", "金源", "益华", "旭日", "联丰", "达丰", "宏利", "广隆", "众诚", "伟创", "华盈", "长荣",
];

const INDUSTRIES: &[&str] = &[
    "电子",
    "五金制品",
    "塑胶",
    "纺织",
    "家具",
    "玩具",
    "模具",
    "精密机械",
    "服装",
    "食品",
    "光电",
    "包装",
    "电器",
    "鞋业",
    "印刷",
    "新材料",
];

pub(super) fn company(rng: &mut ChaCha8Rng, city: &str) -> String {
    format!(
        "{city}{}{}有限公司",
        pick(rng, BRANDS),
        pick(rng, INDUSTRIES)
    )
}

pub(super) const PRODUCTS: &[&str] = &[
    "昭通苹果",
    "彝良天麻",
    "小草坝天麻",
    "马铃薯",
    "镇雄竹笋",
    "花椒",
    "核桃",
    "苦荞",
    "魔芋",
    "乌蒙土鸡",
    "巧家小碗红糖",
    "鲁甸花椒",
    "威信白酒",
    "高山蔬菜",
    "镇雄黄牛肉",
    "荞麦面",
    "蜂蜜",
];

/// The city's departments that receive Zhaotong cadres (and run canteens).
pub(super) const RECEIVING_DEPARTMENTS: &[&str] = &[
    "市经协办",
    "市农业局",
    "市经信局",
    "市人力资源和社会保障局",
    "市教育局",
    "市卫计局",
    "市民政局",
];

/// Dongguan's vocational schools, taking "0+3" students; the first eight pair with a
/// county's vocational school, in this order.
pub(super) const VOCATIONAL_SCHOOLS: &[&str] = &[
    "东莞理工学校",
    "东莞市机电工程学校",
    "东莞市电子科技学校",
    "东莞市商业学校",
    "东莞市经济贸易学校",
    "东莞市纺织服装学校",
    "东莞市轻工业学校",
    "东莞市信息技术学校",
    "东莞市汽车技术学校",
];

/// The schools that pair with the counties' vocational schools.
pub(super) const PAIRED_SCHOOLS: &[&str] = VOCATIONAL_SCHOOLS.split_at(8).0;

/// Dongguan's hospitals that pair with a county's, in this order; the first four also
/// train the counties' medical staff.
pub(super) const EAST_HOSPITALS: &[&str] = &[
    "东莞市人民医院",
    "东莞市第三人民医院",
    "东莞市中医院",
    "东莞市妇幼保健院",
    "东莞市松山湖中心医院",
    "东莞市第八人民医院",
    "东莞市滨海湾中心医院",
];

/// Trades of skills training: a trainee's class; the counties' training activities draw
/// from the first seven.
pub(super) const TRADES: &[&str] = &[
    "电工",
    "焊工",
    "家政服务",
    "电子装配",
    "中式烹调",
    "育婴员",
    "缝纫",
    "挖掘机操作",
];
