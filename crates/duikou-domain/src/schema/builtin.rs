//! The nine built-in record kinds, as templates: their fields, options and labels.
//! Labels that name the plan's regions are written with placeholders (`{east}`,
//! `{west}`, `{east_abbr}`, `{west_abbr}`, `{east_province}`) and rendered for each
//! plan (`Regions`), so no place name lives in code.

use serde::{Deserialize, Serialize};

use super::{EnumOption, FieldDesc, FieldType, UnitRule};

/// The record kinds every plan has. A plan may extend them (`[[vocabulary]]`,
/// `[[field]]`) and add kinds of its own (`[[record_kind]]`); a `RecordKind` is one
/// plan's rendering of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinKind {
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
        label_en: None,
    }
}

const SOURCES: &[EnumOption] = &[
    o("provincial", "省级财政"),
    o("city", "市级财政"),
    o("town", "镇街财政"),
    o("social", "社会资金"),
];

const PROJECT_CATEGORIES: &[EnumOption] = &[
    o("school", "校舍"),
    o("clinic", "卫生室"),
    o("housing", "危房改造"),
    o("job_subsidy", "就业稳岗补贴"),
    o("industry", "产业"),
    o("infrastructure", "基础设施"),
    o("relocation_follow_up", "易地搬迁后续"),
    o("other", "其他"),
];

const ACTIVITY_KINDS: &[EnumOption] = &[
    o("investment_promotion", "招商推介会"),
    o("tourism_promotion", "旅游推介"),
    o("tourism_inspection", "旅游企业考察"),
    o("agri_training", "农业技能培训"),
    o("zt_cadre_class", "{west}干部来{east_abbr}培训班"),
    o("dg_cadre_class", "{east}干部赴{west_abbr}培训班"),
    EnumOption {
        key: "teacher_exchange",
        label: "教师培训交流",
        aliases: &["名师走进{west}", "跟岗培训", "跟班学习"],
        label_en: None,
    },
    o("medical_training", "医疗骨干来{east_abbr}培训"),
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

const SECONDMENT_CATEGORIES: &[EnumOption] = &[
    o("cadre", "党政干部"),
    o("teacher", "教师"),
    o("doctor", "医生"),
    o("professional", "专业技术人才"),
];

const DIRECTIONS: &[EnumOption] = &[
    EnumOption {
        key: "east_to_west",
        label: "{east}→{west}",
        aliases: &["{east}->{west}", "{east}-{west}", "{east}至{west}"],
        label_en: None,
    },
    EnumOption {
        key: "west_to_east",
        label: "{west}→{east}",
        aliases: &["{west}->{east}", "{west}-{east}", "{west}至{east}"],
        label_en: None,
    },
];

const PROGRAMMES: &[EnumOption] = &[
    o("employment", "劳务就业"),
    o("training", "技能培训"),
    EnumOption {
        key: "zero_plus_three",
        label: "0+3招生",
        aliases: &["0+3"],
        label_en: None,
    },
    o("rich_leader", "致富带头人"),
];

const WORK_PLACES: &[EnumOption] = &[
    o("dongguan", "{east}"),
    o("guangdong_other", "{east_province}省内其他"),
    o("other_province", "省外"),
    o("zhaotong_local", "{west}本地"),
];

const PAIRING_KINDS: &[EnumOption] = &[
    o("township", "镇镇结对"),
    o("village", "村村结对"),
    o("enterprise_village", "企村结对"),
    o("school", "校校结对"),
    o("hospital", "院院结对"),
];

const FACILITY_KINDS: &[EnumOption] = &[
    o("demo_base", "产业示范基地"),
    o("labour_station", "劳务工作站"),
    o("relocation_site", "易地搬迁安置点"),
];

const DONOR_TYPES: &[EnumOption] = &[
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
    f("ended_on", "离岗日期", T::Date, false),
];

const PAIRING: &[FieldDesc] = &[
    f("kind", "结对类型", T::Enum(PAIRING_KINDS), true),
    f("east_party", "{east}方", T::Text, true),
    f("east_town", "所属镇街", T::Unit(U::East), true),
    f("west_party", "{west}方", T::Text, true),
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

impl BuiltinKind {
    pub const ALL: [BuiltinKind; 9] = [
        BuiltinKind::Transfer,
        BuiltinKind::Project,
        BuiltinKind::Activity,
        BuiltinKind::Secondment,
        BuiltinKind::Person,
        BuiltinKind::Pairing,
        BuiltinKind::Facility,
        BuiltinKind::Purchase,
        BuiltinKind::Donation,
    ];

    pub fn key(self) -> &'static str {
        match self {
            BuiltinKind::Transfer => "transfer",
            BuiltinKind::Project => "project",
            BuiltinKind::Activity => "activity",
            BuiltinKind::Secondment => "secondment",
            BuiltinKind::Person => "person",
            BuiltinKind::Pairing => "pairing",
            BuiltinKind::Facility => "facility",
            BuiltinKind::Purchase => "purchase",
            BuiltinKind::Donation => "donation",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BuiltinKind::Transfer => "资金拨付",
            BuiltinKind::Project => "帮扶项目",
            BuiltinKind::Activity => "活动",
            BuiltinKind::Secondment => "人员选派",
            BuiltinKind::Person => "人员名单",
            BuiltinKind::Pairing => "结对关系",
            BuiltinKind::Facility => "平台载体",
            BuiltinKind::Purchase => "消费扶贫",
            BuiltinKind::Donation => "社会捐赠",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            BuiltinKind::Transfer => "Fund transfers",
            BuiltinKind::Project => "Projects",
            BuiltinKind::Activity => "Activities",
            BuiltinKind::Secondment => "Secondments",
            BuiltinKind::Person => "Person lists",
            BuiltinKind::Pairing => "Pairings",
            BuiltinKind::Facility => "Facilities",
            BuiltinKind::Purchase => "Purchases",
            BuiltinKind::Donation => "Donations",
        }
    }

    /// Accepts the English key or the Chinese name.
    pub fn from_key(s: &str) -> Option<BuiltinKind> {
        let s = s.trim();
        BuiltinKind::ALL
            .into_iter()
            .find(|k| k.key() == s || k.label_zh() == s)
    }

    /// The fields, with region placeholders in their labels.
    pub(super) fn field_templates(self) -> &'static [FieldDesc] {
        match self {
            BuiltinKind::Transfer => TRANSFER,
            BuiltinKind::Project => PROJECT,
            BuiltinKind::Activity => ACTIVITY,
            BuiltinKind::Secondment => SECONDMENT,
            BuiltinKind::Person => PERSON,
            BuiltinKind::Pairing => PAIRING,
            BuiltinKind::Facility => FACILITY,
            BuiltinKind::Purchase => PURCHASE,
            BuiltinKind::Donation => DONATION,
        }
    }

    /// The date that places a record in time (its plan year, the as-of and deadline cut).
    /// A transfer is placed by its receipt: money counts once it has arrived.
    pub(super) fn event_date_field(self) -> &'static str {
        match self {
            BuiltinKind::Transfer => "received_on",
            BuiltinKind::Project => "started_on",
            BuiltinKind::Activity => "held_on",
            BuiltinKind::Secondment => "start_on",
            BuiltinKind::Person => "started_on",
            BuiltinKind::Pairing => "signed_on",
            BuiltinKind::Facility => "established_on",
            BuiltinKind::Purchase => "bought_on",
            BuiltinKind::Donation => "donated_on",
        }
    }

    /// The field whose value is the reporting unit when none is given.
    pub(super) fn own_unit_field(self) -> Option<&'static str> {
        match self {
            BuiltinKind::Transfer => Some("payer"),
            BuiltinKind::Project => Some("county"),
            BuiltinKind::Activity => Some("organizers"),
            BuiltinKind::Secondment => Some("from_unit"),
            BuiltinKind::Pairing => Some("east_town"),
            _ => None,
        }
    }

    /// Pairs of (start, end) date fields: the end is not before the start.
    pub(super) fn date_order(self) -> &'static [(&'static str, &'static str)] {
        match self {
            BuiltinKind::Transfer => &[("sent_on", "received_on")],
            BuiltinKind::Project => &[("started_on", "completed_on")],
            BuiltinKind::Secondment => &[("start_on", "end_on")],
            BuiltinKind::Person => &[("started_on", "ended_on")],
            BuiltinKind::Pairing => &[("signed_on", "ended_on")],
            _ => &[],
        }
    }

    /// Free-text parties that may name a unit of the plan (a buyer, a donor): a text that
    /// names one (or an alias) is stored as the unit's name and can be counted `by`.
    pub(super) fn party_fields(self) -> &'static [&'static str] {
        match self {
            BuiltinKind::Purchase => &["buyer"],
            BuiltinKind::Donation => &["donor"],
            _ => &[],
        }
    }

    /// The fields naming the assisted county a record concerns (what a receiver sees),
    /// most telling first.
    pub(super) fn county_fields(self) -> &'static [&'static str] {
        match self {
            BuiltinKind::Transfer => &["payee"],
            BuiltinKind::Project | BuiltinKind::Facility | BuiltinKind::Donation => &["county"],
            BuiltinKind::Pairing => &["west_county"],
            BuiltinKind::Purchase => &["origin_county"],
            BuiltinKind::Person => &["hukou_county"],
            BuiltinKind::Secondment => &["to_unit", "from_unit"],
            BuiltinKind::Activity => &["organizers"],
        }
    }
}
