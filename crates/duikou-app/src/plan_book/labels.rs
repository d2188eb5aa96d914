//! The workbook's sheets and columns, and the Chinese labels of the plan file's closed
//! choices: the one table both directions read.

use duikou_domain::plan as dp;
use duikou_domain::schema::BuiltinKind;

pub(super) const HELP: &str = "说明";
pub(super) const PLAN: &str = "计划";
pub(super) const UNITS: &str = "单位";
pub(super) const GROUPS: &str = "单位组";
pub(super) const PAIRINGS: &str = "结对";
pub(super) const ACTIONS: &str = "行动";
pub(super) const ITEMS: &str = "工作清单";
pub(super) const INDICATORS: &str = "指标";
pub(super) const UNIT_TARGETS: &str = "单位目标";
pub(super) const VOCABULARY: &str = "词表";
pub(super) const KINDS: &str = "记录类型";
pub(super) const FIELDS: &str = "字段";
pub(super) const LISTS: &str = "选项";
pub(super) const MAP: &str = "地图";

pub(super) const PENDING: &str = "待确认";
pub(super) const SOURCE: &str = "来源";
/// What the writer puts in 待确认 for a note that awaits confirmation.
pub(super) const PENDING_MARK: &str = "待确认";

/// How a cell spells a TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Codec {
    /// A string.
    Text,
    /// A string shown wrapped in a wide column.
    Long,
    Int,
    /// A TOML date (`2018-09-25`).
    Date,
    /// 是 / 否.
    Bool,
    /// Several strings joined with 、.
    List,
    UnitKind,
    Side,
    TownRole,
    /// A record kind: its Chinese name in the cell, its key in TOML.
    Kind,
    /// The body of an inline table, as TOML.
    Where,
    Scope,
    Period,
    Target,
    Deadline,
}

/// One column of a sheet: its header, the TOML key it holds, how, and whether a row
/// must fill it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Col {
    pub header: &'static str,
    pub key: &'static str,
    pub codec: Codec,
    pub required: bool,
    pub width: f64,
}

const fn col(
    header: &'static str,
    key: &'static str,
    codec: Codec,
    required: bool,
    width: f64,
) -> Col {
    Col {
        header,
        key,
        codec,
        required,
        width,
    }
}

use Codec::*;

/// The rows of 计划: (项目, key, codec, required).
pub(super) const PLAN_ROWS: &[(&str, &str, Codec, bool)] = &[
    ("标识", "id", Text, true),
    ("标题", "title", Text, true),
    ("发文单位", "issuer", Text, true),
    ("文号", "document_no", Text, true),
    ("印发日期", "issued_on", Date, false),
    ("起始年度", "first_year", Int, true),
    ("结束年度", "last_year", Int, true),
    ("帮扶方", "east", Text, true),
    ("受帮扶方", "west", Text, true),
    ("总体目标", "goal", Long, false),
    ("协调单位", "coordinator", Text, false),
    ("帮扶方简称", "east_abbr", Text, false),
    ("受帮扶方简称", "west_abbr", Text, false),
    ("帮扶方省份", "east_province", Text, false),
];

/// The rows of 地图 (`[map]`): (项目, key). 轮廓 (the GeoJSON text) may take several
/// rows, read one after the other: a cell holds at most 32,767 characters.
pub(super) const MAP_ROWS: &[(&str, &str)] = &[
    ("名称属性", "name_property"),
    ("格位", "tiles"),
    ("轮廓", "geojson"),
];

/// The characters of the GeoJSON text written to one cell of 地图.
pub(super) const MAP_CHUNK: usize = 30_000;

pub(super) const PLAN_COLS: &[Col] = &[
    col("项目", "item", Text, true, 16.0),
    col("值", "value", Long, false, 80.0),
];

pub(super) const UNIT_COLS: &[Col] = &[
    col("名称", "name", Text, true, 22.0),
    col("类别", "kind", UnitKind, true, 12.0),
    col("方", "side", Side, true, 10.0),
    col("代码", "code", Text, false, 10.0),
    col("全称", "full_name", Text, false, 36.0),
    col("镇街角色", "town_role", TownRole, false, 12.0),
    col("别名", "aliases", List, false, 20.0),
];

pub(super) const GROUP_COLS: &[Col] = &[
    col("名称", "name", Text, true, 18.0),
    col("全部某类单位", "all_of_kind", UnitKind, false, 14.0),
    col("成员", "members", List, false, 60.0),
];

pub(super) const PAIRING_COLS: &[Col] = &[
    col("县区", "county", Text, true, 14.0),
    col("结对镇街", "lead", Text, true, 14.0),
    col("协助镇街", "assisting", List, false, 40.0),
];

pub(super) const ACTION_COLS: &[Col] = &[
    col("编号", "no", Text, true, 8.0),
    col("章节", "section", Text, false, 10.0),
    col("标题", "title", Text, true, 22.0),
    col("内容", "text", Long, false, 80.0),
    col("责任单位", "responsible", List, false, 40.0),
];

pub(super) const ITEM_COLS: &[Col] = &[
    col("序号", "no", Text, true, 8.0),
    col("重点工作", "title", Text, true, 20.0),
    col("具体事项", "text", Long, true, 70.0),
    col("完成时限", "time_limit", Text, true, 14.0),
    col("责任单位", "responsible", List, false, 40.0),
];

pub(super) const INDICATOR_COLS: &[Col] = &[
    col("标识", "id", Text, true, 26.0),
    col("工作清单序号", "item", Text, true, 8.0),
    col("条款", "clause", Text, false, 10.0),
    col("名称", "name", Text, true, 28.0),
    col("记录类型", "kind", Kind, true, 12.0),
    col("条件", "where", Where, false, 48.0),
    col("最短月数", "min_months", Int, false, 8.0),
    col("计量", "measure", Text, true, 18.0),
    col("分子", "numerator", Text, false, 14.0),
    col("分母", "denominator", Text, false, 16.0),
    col("期间", "period", Period, false, 14.0),
    col("范围", "scope", Scope, true, 14.0),
    col("按字段", "by", Text, false, 12.0),
    col("单位", "unit", Text, true, 8.0),
    col("目标", "target", Target, false, 26.0),
    col("截止", "deadline", Deadline, false, 26.0),
    col("要点指标", "headline", Bool, false, 10.0),
];

pub(super) const UNIT_TARGET_COLS: &[Col] = &[
    col("指标标识", "indicator", Text, true, 26.0),
    col("单位", "unit", Text, true, 16.0),
    col("目标", "target", Target, true, 26.0),
];

pub(super) const VOCABULARY_COLS: &[Col] = &[
    col("字段", "field", Text, true, 22.0),
    col("增加选项", "add", Text, false, 26.0),
    col("英文名称", "en", Where, false, 60.0),
];

pub(super) const KIND_COLS: &[Col] = &[
    col("键", "key", Text, true, 14.0),
    col("名称", "name", Text, true, 16.0),
    col("英文名", "name_en", Text, false, 24.0),
    col("日期字段", "date", Text, true, 12.0),
    col("单位字段", "unit", Text, false, 12.0),
    col("叙述", "narrates", Text, false, 12.0),
];

pub(super) const FIELD_COLS: &[Col] = &[
    col("记录类型", "record", Kind, true, 14.0),
    col("键", "key", Text, true, 14.0),
    col("名称", "name", Text, true, 18.0),
    col("类型", "type", Text, true, 10.0),
    col("选项", "options", List, false, 48.0),
    col("方", "side", Side, false, 10.0),
    col("必填", "required", Bool, false, 8.0),
];

/// A data sheet: its name, the plan file's table it holds (`""` for unit targets) and
/// its columns.
#[derive(Debug, Clone, Copy)]
pub(super) struct SheetDef {
    pub name: &'static str,
    pub table: &'static str,
    pub cols: &'static [Col],
    /// What the sheet holds, for 说明.
    pub about: &'static str,
}

/// The data sheets in workbook order.
pub(super) const SHEETS: &[SheetDef] = &[
    SheetDef {
        name: PLAN,
        table: "plan",
        cols: PLAN_COLS,
        about: "计划的基本信息（[plan]），一行一项：项目 | 值",
    },
    SheetDef {
        name: UNITS,
        table: "unit",
        cols: UNIT_COLS,
        about: "参与的单位（[[unit]]），一行一个单位",
    },
    SheetDef {
        name: GROUPS,
        table: "group",
        cols: GROUP_COLS,
        about: "单位组（[[group]]）：全部某类单位，或列出成员",
    },
    SheetDef {
        name: PAIRINGS,
        table: "pairing",
        cols: PAIRING_COLS,
        about: "携手奔小康结对（[[pairing]]），每个县区一行",
    },
    SheetDef {
        name: ACTIONS,
        table: "action",
        cols: ACTION_COLS,
        about: "行动（[[action]]）：方案的章节",
    },
    SheetDef {
        name: ITEMS,
        table: "item",
        cols: ITEM_COLS,
        about: "工作清单（[[item]]），序号以所属行动的编号开头（1.3 属于行动 1）",
    },
    SheetDef {
        name: INDICATORS,
        table: "indicator",
        cols: INDICATOR_COLS,
        about: "指标（[[indicator]]）：统计什么、为谁统计、目标是多少",
    },
    SheetDef {
        name: UNIT_TARGETS,
        table: "",
        cols: UNIT_TARGET_COLS,
        about: "指标的单位目标（unit_targets）：某一单位的目标，代替指标的「目标」",
    },
    SheetDef {
        name: VOCABULARY,
        table: "vocabulary",
        cols: VOCABULARY_COLS,
        about: "内置记录类型选项字段的新增选项（[[vocabulary]]），一行一个选项；同一字段的相邻各行合为一项；「英文名称」为选项的英文名（如 \"省级财政\" = \"Provincial budget\"，写在该项第一行）",
    },
    SheetDef {
        name: KINDS,
        table: "record_kind",
        cols: KIND_COLS,
        about: "计划自有的记录类型（[[record_kind]]）；其字段列在「字段」表",
    },
    SheetDef {
        name: FIELDS,
        table: "field",
        cols: FIELD_COLS,
        about: "字段：记录类型是「记录类型」表中的类型时为该类型的字段（按行序）；否则为内置类型的附加字段（[[field]]）",
    },
    SheetDef {
        name: MAP,
        table: "map",
        cols: PLAN_COLS,
        about: "受帮扶县区地图（[map]，可选）：项目 | 值。名称属性；格位（如 \"镇雄县\" = [1, 4], …）；轮廓（GeoJSON 文本，过长时分多行，依次相连）",
    },
];

pub(super) fn sheet_def(name: &str) -> Option<&'static SheetDef> {
    SHEETS.iter().find(|s| s.name == name)
}

/// The sheet a row note's table is shown on.
pub(super) fn sheet_of_table(table: &str) -> Option<&'static str> {
    SHEETS
        .iter()
        .find(|s| !s.table.is_empty() && s.table == table)
        .map(|s| s.name)
}

// ------------------------------------------------------------------ closed choices

pub(super) const UNIT_KINDS: &[(&str, dp::UnitKind)] = &[
    ("city", dp::UnitKind::City),
    ("department", dp::UnitKind::Department),
    ("working_group", dp::UnitKind::WorkingGroup),
    ("provincial", dp::UnitKind::Provincial),
    ("town", dp::UnitKind::Town),
    ("county", dp::UnitKind::County),
    ("district", dp::UnitKind::District),
];

/// (key, label) of a closed choice.
pub(super) fn choices(codec: Codec) -> Vec<(&'static str, &'static str)> {
    match codec {
        UnitKind => UNIT_KINDS.iter().map(|(k, u)| (*k, u.label_zh())).collect(),
        Side => vec![("east", "帮扶方"), ("west", "受帮扶方")],
        TownRole => vec![
            ("lead", dp::TownRole::Lead.label_zh()),
            ("assisting", dp::TownRole::Assisting.label_zh()),
        ],
        Period => vec![
            ("in_year", "当年"),
            ("cumulative", "累计（年末有效）"),
            ("in_post", "年内在岗"),
            ("plan_to_date", "计划以来累计"),
        ],
        Scope => vec![
            ("plan", "全市"),
            ("each_county", "每个县区"),
            ("each_lead_town", "每个结对镇街"),
            ("each_assisting_town", "每个协助镇街"),
        ],
        Bool => vec![("true", "是"), ("false", "否")],
        _ => Vec::new(),
    }
}

pub(super) const FIELD_TYPES: &[&str] = &[
    "text",
    "int",
    "money",
    "date",
    "bool",
    "year",
    "enum",
    "unit",
    "units",
    "id_number",
];

/// The record kinds a workbook names: the built-in ones and the plan's own, as
/// (key, Chinese name).
#[derive(Debug, Clone, Default)]
pub(super) struct KindNames {
    pub builtin: Vec<(String, String)>,
    pub own: Vec<(String, String)>,
}

impl KindNames {
    pub(super) fn with_own(own: Vec<(String, String)>) -> KindNames {
        KindNames {
            builtin: BuiltinKind::ALL
                .into_iter()
                .map(|b| (b.key().to_string(), b.label_zh().to_string()))
                .collect(),
            own,
        }
    }

    fn all(&self) -> impl Iterator<Item = &(String, String)> {
        self.own.iter().chain(self.builtin.iter())
    }

    /// The name shown for a key (the key itself when unknown).
    pub(super) fn name_of<'a>(&'a self, key: &'a str) -> &'a str {
        self.all()
            .find(|(k, _)| k == key)
            .map_or(key, |(_, n)| n.as_str())
    }

    /// The key of a cell naming a kind by key or name (the text itself when unknown:
    /// the plan loader reports it).
    pub(super) fn key_of<'a>(&'a self, text: &'a str) -> &'a str {
        self.all()
            .find(|(k, n)| k == text || n == text)
            .map_or(text, |(k, _)| k.as_str())
    }

    pub(super) fn is_own(&self, text: &str) -> Option<&str> {
        self.own
            .iter()
            .find(|(k, n)| k == text || n == text)
            .map(|(k, _)| k.as_str())
    }

    pub(super) fn names(&self) -> Vec<String> {
        self.builtin
            .iter()
            .chain(self.own.iter())
            .map(|(_, n)| n.clone())
            .collect()
    }
}
