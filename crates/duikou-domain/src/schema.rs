//! The nine record kinds and their fields, as data: one table that drives
//! validation, import headers, templates, exports, forms and indicator filters.

use serde::Serialize;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Transfer,
    Project,
    Activity,
    Secondment,
    Person,
    Pairing,
    Facility,
    Purchase,
    Donation,
}

/// Which units a unit field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitRule {
    Any,
    /// A unit of the assisting side (towns, departments, the province, the working group).
    East,
    County,
    /// A unit that can receive a transfer: a county or the assisted city.
    Receiver,
    /// A county, or the assisting city for a facility located there (a labour station in Dongguan).
    CountyOrEastCity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EnumOption {
    pub key: &'static str,
    pub label: &'static str,
    /// Other spellings accepted on input and stored as `label`.
    pub aliases: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "options", rename_all = "snake_case")]
pub enum FieldType {
    Text,
    /// Yuan with at most two decimals, held as integer fen.
    Money,
    Date,
    Bool,
    /// A non-negative whole number (people, projects).
    Int,
    Year,
    Unit(UnitRule),
    Units(UnitRule),
    Enum(&'static [EnumOption]),
    /// A resident ID number: validated, encrypted at rest, shown masked.
    IdNumber,
}

impl FieldType {
    pub fn is_summable(&self) -> bool {
        matches!(self, FieldType::Money | FieldType::Int)
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldDesc {
    pub key: &'static str,
    pub zh: &'static str,
    pub ty: FieldType,
    pub required: bool,
}

const fn f(key: &'static str, zh: &'static str, ty: FieldType, required: bool) -> FieldDesc {
    FieldDesc {
        key,
        zh,
        ty,
        required,
    }
}

const fn o(key: &'static str, label: &'static str) -> EnumOption {
    EnumOption {
        key,
        label,
        aliases: &[],
    }
}

pub const SOURCES: &[EnumOption] = &[
    o("provincial", "省级财政"),
    o("city", "市级财政"),
    o("town", "镇街财政"),
    o("social", "社会资金"),
];

pub const PROJECT_CATEGORIES: &[EnumOption] = &[
    o("school", "校舍"),
    o("clinic", "卫生室"),
    o("housing", "危房改造"),
    o("job_subsidy", "就业稳岗补贴"),
    o("industry", "产业"),
    o("infrastructure", "基础设施"),
    o("relocation_follow_up", "易地搬迁后续"),
    o("other", "其他"),
];

pub const ACTIVITY_KINDS: &[EnumOption] = &[
    o("investment_promotion", "招商推介会"),
    o("tourism_promotion", "旅游推介"),
    o("tourism_inspection", "旅游企业考察"),
    o("agri_training", "农业技能培训"),
    o("zt_cadre_class", "昭通干部来莞培训班"),
    o("dg_cadre_class", "东莞干部赴昭培训班"),
    EnumOption {
        key: "teacher_exchange",
        label: "教师培训交流",
        aliases: &["名师走进昭通", "跟岗培训", "跟班学习"],
    },
    o("medical_training", "医疗骨干来莞培训"),
    o("free_clinic", "义诊"),
    o("job_fair", "劳务招聘会"),
    o("skills_training", "就业技能培训"),
    o("city_leader_visit", "市领导调研对接"),
    o("town_leader_visit", "镇街领导调研对接"),
    o("city_joint_meeting", "市级党政联席会议"),
    o("town_joint_meeting", "镇县党政联席会议"),
    o("volunteering", "志愿服务"),
    o("publicity", "宣传报道"),
    o("rich_leader_training", "致富带头人培训"),
    o("other", "其他"),
];

pub const SECONDMENT_CATEGORIES: &[EnumOption] = &[
    o("cadre", "党政干部"),
    o("teacher", "教师"),
    o("doctor", "医生"),
    o("professional", "专业技术人才"),
];

pub const DIRECTIONS: &[EnumOption] = &[
    EnumOption {
        key: "east_to_west",
        label: "东莞→昭通",
        aliases: &["东莞->昭通", "东莞-昭通", "东莞至昭通"],
    },
    EnumOption {
        key: "west_to_east",
        label: "昭通→东莞",
        aliases: &["昭通->东莞", "昭通-东莞", "昭通至东莞"],
    },
];

pub const PROGRAMMES: &[EnumOption] = &[
    o("employment", "劳务就业"),
    o("training", "技能培训"),
    EnumOption {
        key: "zero_plus_three",
        label: "0+3招生",
        aliases: &["0+3"],
    },
    o("rich_leader", "致富带头人"),
];

pub const WORK_PLACES: &[EnumOption] = &[
    o("dongguan", "东莞"),
    o("guangdong_other", "广东省内其他"),
    o("other_province", "省外"),
    o("zhaotong_local", "昭通本地"),
];

pub const PAIRING_KINDS: &[EnumOption] = &[
    o("township", "镇镇结对"),
    o("village", "村村结对"),
    o("enterprise_village", "企村结对"),
    o("school", "校校结对"),
    o("hospital", "院院结对"),
];

pub const FACILITY_KINDS: &[EnumOption] = &[
    o("demo_base", "产业示范基地"),
    o("labour_station", "劳务工作站"),
    o("relocation_site", "易地搬迁安置点"),
];

pub const DONOR_TYPES: &[EnumOption] = &[
    o("enterprise", "企业"),
    o("organisation", "社会组织"),
    o("individual", "个人"),
];

use FieldType as T;
use UnitRule as U;

const TRANSFER: &[FieldDesc] = &[
    f("source", "资金来源", T::Enum(SOURCES), true),
    f("payer", "拨付单位", T::Unit(U::East), true),
    f("payee", "接收单位", T::Unit(U::Receiver), true),
    f("amount", "金额（元）", T::Money, true),
    f("budget_year", "资金年度", T::Year, true),
    f("sent_on", "拨付日期", T::Date, true),
    f("received_on", "到账日期", T::Date, false),
    f("voucher_no", "凭证号", T::Text, true),
    f("purpose", "用途", T::Text, false),
];

const PROJECT: &[FieldDesc] = &[
    f("name", "项目名称", T::Text, true),
    f("county", "实施县区", T::Unit(U::County), true),
    f("category", "项目类别", T::Enum(PROJECT_CATEGORIES), true),
    f("aid_amount", "使用帮扶资金（元）", T::Money, true),
    f("disbursed", "已支付（元）", T::Money, false),
    f("started_on", "开工日期", T::Date, true),
    f("completed_on", "完工日期", T::Date, false),
    f("beneficiaries_poor", "带动贫困人口（人）", T::Int, false),
];

const ACTIVITY: &[FieldDesc] = &[
    f("kind", "活动类型", T::Enum(ACTIVITY_KINDS), true),
    f("title", "活动名称", T::Text, true),
    f("held_on", "日期", T::Date, true),
    f("place", "地点", T::Text, false),
    f("organizers", "主办单位", T::Units(U::Any), true),
    f("participants", "参与人数", T::Int, false),
    f("plan_item", "对应工作清单", T::Text, false),
    f("projects_signed", "签约项目数", T::Int, false),
    f("amount", "签约/交易金额（元）", T::Money, false),
];

const SECONDMENT: &[FieldDesc] = &[
    f("name", "姓名", T::Text, true),
    f("id_number", "身份证号", T::IdNumber, false),
    f("category", "类别", T::Enum(SECONDMENT_CATEGORIES), true),
    f("rank", "职级", T::Text, false),
    f("direction", "方向", T::Enum(DIRECTIONS), true),
    f("from_unit", "派出单位", T::Unit(U::Any), true),
    f("to_unit", "接收单位", T::Unit(U::Any), true),
    f("post", "挂任职务", T::Text, false),
    f("leadership_team", "是否进入党政领导班子", T::Bool, false),
    f("start_on", "开始日期", T::Date, true),
    f("end_on", "结束日期", T::Date, false),
];

const PERSON: &[FieldDesc] = &[
    f("programme", "类别", T::Enum(PROGRAMMES), true),
    f("name", "姓名", T::Text, true),
    f("id_number", "身份证号", T::IdNumber, true),
    f("registered_poor", "建档立卡", T::Bool, false),
    f("hukou_county", "户籍县区", T::Unit(U::County), false),
    f("organisation", "用工单位/学校/培训项目", T::Text, false),
    f("work_place", "就业地", T::Enum(WORK_PLACES), false),
    f("started_on", "开始日期", T::Date, true),
];

const PAIRING: &[FieldDesc] = &[
    f("kind", "结对类型", T::Enum(PAIRING_KINDS), true),
    f("east_party", "东莞方", T::Text, true),
    f("east_town", "所属镇街", T::Unit(U::East), true),
    f("west_party", "昭通方", T::Text, true),
    f("west_county", "所属县区", T::Unit(U::County), true),
    f("deep_poverty", "深度贫困村", T::Bool, false),
    f("signed_on", "签约日期", T::Date, true),
    f("ended_on", "终止日期", T::Date, false),
];

const FACILITY: &[FieldDesc] = &[
    f("kind", "类型", T::Enum(FACILITY_KINDS), true),
    f("name", "名称", T::Text, true),
    f("county", "所在县区", T::Unit(U::CountyOrEastCity), true),
    f("established_on", "建成日期", T::Date, true),
];

const PURCHASE: &[FieldDesc] = &[
    f("buyer", "采购单位", T::Text, true),
    f("origin_county", "产地县区", T::Unit(U::County), true),
    f("product", "产品", T::Text, true),
    f("amount", "金额（元）", T::Money, true),
    f("bought_on", "日期", T::Date, true),
];

const DONATION: &[FieldDesc] = &[
    f("donor", "捐赠方", T::Text, true),
    f("donor_type", "类型", T::Enum(DONOR_TYPES), true),
    f("amount", "金额（元）", T::Money, true),
    f("county", "受赠县区", T::Unit(U::County), true),
    f("donated_on", "日期", T::Date, true),
];

/// Fields every kind accepts besides its own.
pub const COMMON_FIELDS: &[FieldDesc] = &[
    f("reporting_unit", "填报单位", T::Unit(U::Any), false),
    f("plan_year", "计划年度", T::Year, false),
    f("notes", "备注", T::Text, false),
];

impl RecordKind {
    pub const ALL: [RecordKind; 9] = [
        RecordKind::Transfer,
        RecordKind::Project,
        RecordKind::Activity,
        RecordKind::Secondment,
        RecordKind::Person,
        RecordKind::Pairing,
        RecordKind::Facility,
        RecordKind::Purchase,
        RecordKind::Donation,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RecordKind::Transfer => "transfer",
            RecordKind::Project => "project",
            RecordKind::Activity => "activity",
            RecordKind::Secondment => "secondment",
            RecordKind::Person => "person",
            RecordKind::Pairing => "pairing",
            RecordKind::Facility => "facility",
            RecordKind::Purchase => "purchase",
            RecordKind::Donation => "donation",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RecordKind::Transfer => "资金拨付",
            RecordKind::Project => "帮扶项目",
            RecordKind::Activity => "活动",
            RecordKind::Secondment => "人员选派",
            RecordKind::Person => "人员名单",
            RecordKind::Pairing => "结对关系",
            RecordKind::Facility => "平台载体",
            RecordKind::Purchase => "消费扶贫",
            RecordKind::Donation => "社会捐赠",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RecordKind::Transfer => "Fund transfers",
            RecordKind::Project => "Projects",
            RecordKind::Activity => "Activities",
            RecordKind::Secondment => "Secondments",
            RecordKind::Person => "Person lists",
            RecordKind::Pairing => "Pairings",
            RecordKind::Facility => "Facilities",
            RecordKind::Purchase => "Purchases",
            RecordKind::Donation => "Donations",
        }
    }

    /// Accepts the English key or the Chinese name.
    pub fn from_key(s: &str) -> Option<RecordKind> {
        let s = s.trim();
        RecordKind::ALL
            .into_iter()
            .find(|k| k.key() == s || k.label_zh() == s)
    }

    pub fn fields(self) -> &'static [FieldDesc] {
        match self {
            RecordKind::Transfer => TRANSFER,
            RecordKind::Project => PROJECT,
            RecordKind::Activity => ACTIVITY,
            RecordKind::Secondment => SECONDMENT,
            RecordKind::Person => PERSON,
            RecordKind::Pairing => PAIRING,
            RecordKind::Facility => FACILITY,
            RecordKind::Purchase => PURCHASE,
            RecordKind::Donation => DONATION,
        }
    }

    pub fn field(self, key: &str) -> Option<&'static FieldDesc> {
        self.fields().iter().find(|f| f.key == key)
    }

    /// Own fields then the common ones.
    pub fn all_fields(self) -> impl Iterator<Item = &'static FieldDesc> {
        self.fields().iter().chain(COMMON_FIELDS.iter())
    }

    /// The date that places a record in time (its plan year, the as-of and deadline cut).
    /// A transfer is placed by its receipt: money counts once it has arrived.
    pub fn event_date_field(self) -> &'static str {
        match self {
            RecordKind::Transfer => "received_on",
            RecordKind::Project => "started_on",
            RecordKind::Activity => "held_on",
            RecordKind::Secondment => "start_on",
            RecordKind::Person => "started_on",
            RecordKind::Pairing => "signed_on",
            RecordKind::Facility => "established_on",
            RecordKind::Purchase => "bought_on",
            RecordKind::Donation => "donated_on",
        }
    }

    /// The field whose value is the reporting unit when none is given.
    pub fn own_unit_field(self) -> Option<&'static str> {
        match self {
            RecordKind::Transfer => Some("payer"),
            RecordKind::Project => Some("county"),
            RecordKind::Activity => Some("organizers"),
            RecordKind::Secondment => Some("from_unit"),
            RecordKind::Pairing => Some("east_town"),
            _ => None,
        }
    }

    /// The date field the end of a period is checked against (end not before start).
    pub fn date_order(self) -> &'static [(&'static str, &'static str)] {
        match self {
            RecordKind::Transfer => &[("sent_on", "received_on")],
            RecordKind::Project => &[("started_on", "completed_on")],
            RecordKind::Secondment => &[("start_on", "end_on")],
            RecordKind::Pairing => &[("signed_on", "ended_on")],
            _ => &[],
        }
    }

    /// Find a field by its English key or its Chinese header (a header in 万元 included).
    pub fn field_by_header(self, header: &str) -> Option<(&'static FieldDesc, bool)> {
        let h = normalize_header(header);
        for fd in self.all_fields() {
            if fd.key == h || normalize_header(fd.zh) == h {
                return Some((fd, false));
            }
            if fd.ty == FieldType::Money {
                let base = normalize_header(fd.zh);
                let stem = base.strip_suffix("（元）").unwrap_or(&base);
                if h == format!("{stem}（万元）") || h == format!("{}_wan", fd.key) {
                    return Some((fd, true));
                }
            }
        }
        None
    }
}

/// Headers are compared ignoring spaces and with ASCII parentheses read as full-width.
pub fn normalize_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect()
}

pub fn enum_option(options: &'static [EnumOption], input: &str) -> Option<&'static EnumOption> {
    let s = input.trim();
    options
        .iter()
        .find(|o| o.label == s || o.key == s || o.aliases.contains(&s))
}
