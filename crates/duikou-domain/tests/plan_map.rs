//! What a plan tells the pages leaders read: `[map]` (tiles, the counties' outlines as
//! GeoJSON, checked on load with their line), the headline indicators, and the English
//! labels of its options (`[[vocabulary]] en`).

use duikou_domain::plan::{BUNDLED_PLAN, Plan};
use duikou_domain::schema::{BuiltinKind, FieldType, enum_option};

const COUNTIES: [&str; 6] = ["昭阳区", "鲁甸县", "巧家县", "镇雄县", "彝良县", "威信县"];

/// A square outline for each name, side by side.
fn squares(names: &[&str]) -> String {
    let features: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let x = 103.0 + i as f64 * 0.5;
            serde_json::json!({
                "type": "Feature",
                "properties": {"name": n, "adcode": 530600 + i},
                "geometry": {"type": "Polygon", "coordinates": [[[x, 27.0], [x + 0.4, 27.0], [x + 0.4, 27.4], [x, 27.4], [x, 27.0]]]},
            })
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()
}

fn with_map(map: &str) -> String {
    format!("{BUNDLED_PLAN}\n{map}\n")
}

fn geojson_section(geojson: &str) -> String {
    format!("[map]\ngeojson = '''{geojson}'''\n")
}

fn errors_of(text: &str) -> Vec<(Option<usize>, String)> {
    match Plan::from_toml(text, "test.toml") {
        Ok(_) => panic!(
            "expected the plan to be refused: {}",
            &text[text.find("[map]").unwrap_or(0)..]
        ),
        Err(e) => e.errors.into_iter().map(|e| (e.line, e.en)).collect(),
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle")
        + 1
}

#[test]
fn a_plan_carries_its_counties_outlines_and_tiles() {
    let text = with_map(&format!(
        "[map]\nname_property = \"name\"\ntiles = {{ \"昭阳区\" = [1, 2], \"鲁甸县\" = [2, 2], \"巧家县\" = [2, 1], \"镇雄县\" = [1, 4], \"彝良县\" = [1, 3], \"威信县\" = [2, 4] }}\ngeojson = '''{}'''\n",
        squares(&COUNTIES)
    ));
    let plan = Plan::from_toml(&text, "map.toml").unwrap_or_else(|e| panic!("{e}"));
    let map = plan.map.as_ref().expect("the map");
    assert_eq!(map.tiles["镇雄县"], (1, 4));
    assert_eq!(map.name_property, "name");
    assert!(map.geojson.as_deref().unwrap().contains("威信县"));
    // Another name property, as GeoJSON from other sources spell it.
    let renamed = squares(&COUNTIES).replace("\"name\"", "\"NAME_CHN\"");
    let text = with_map(&format!(
        "[map]\nname_property = \"NAME_CHN\"\ngeojson = '''{renamed}'''\n"
    ));
    assert!(Plan::from_toml(&text, "map.toml").is_ok());
    // Without [map], no map: the leader's view lays the counties out itself.
    assert!(Plan::bundled().map.is_none());
}

#[test]
fn bad_outlines_are_refused_with_their_line() {
    let cases: Vec<(String, &str)> = vec![
        (
            "{\"type\": \"FeatureCollection\", \"features\": [".to_string(),
            "not valid JSON",
        ),
        (
            "{\"type\": \"Feature\"}".to_string(),
            "must be a FeatureCollection",
        ),
        (
            squares(&COUNTIES[..5]),
            "has no outline for the paired counties: 威信县",
        ),
        (
            squares(&[
                "昭阳区",
                "鲁甸县",
                "巧家县",
                "镇雄县",
                "彝良县",
                "威信县",
                "清溪镇",
            ]),
            "feature 7 \"清溪镇\" is not a county",
        ),
        (
            squares(&[
                "昭阳区",
                "鲁甸县",
                "巧家县",
                "镇雄县",
                "彝良县",
                "威信县",
                "不存在县",
            ]),
            "feature 7 \"不存在县\" is not a unit of the plan",
        ),
        (
            squares(&[
                "昭阳区",
                "鲁甸县",
                "巧家县",
                "镇雄县",
                "彝良县",
                "威信县",
                "威信县",
            ]),
            "features 6 and 7 are both \"威信县\"",
        ),
        (
            squares(&COUNTIES).replacen("\"Polygon\"", "\"Point\"", 1),
            "must be a Polygon or a MultiPolygon",
        ),
        (
            squares(&COUNTIES).replacen("[103.0,27.0]", "[1003.0,27.0]", 1),
            "closed rings of longitude–latitude points",
        ),
    ];
    for (geojson, expected) in cases {
        let text = with_map(&geojson_section(&geojson));
        let errors = errors_of(&text);
        let line = line_of(&text, "geojson = ");
        assert!(
            errors
                .iter()
                .any(|(l, m)| *l == Some(line) && m.contains(expected)),
            "{expected}: {errors:?}"
        );
    }
}

#[test]
fn bad_tiles_are_refused_with_their_line() {
    let all_but_one = "\"昭阳区\" = [1, 1], \"鲁甸县\" = [1, 2], \"巧家县\" = [1, 3], \"镇雄县\" = [2, 1], \"彝良县\" = [2, 2]";
    for (tiles, expected) in [
        (all_but_one.to_string(), "lacks the paired counties: 威信县"),
        (
            format!("{all_but_one}, \"威信县\" = [1, 1]"),
            "share the square (1, 1)",
        ),
        (
            format!("{all_but_one}, \"威信县\" = [0, 1]"),
            "the place of 威信县 must be [row, column]",
        ),
        (
            format!("{all_but_one}, \"威信县\" = [2, 3], \"清溪镇\" = [3, 3]"),
            "\"清溪镇\" is not a paired county",
        ),
    ] {
        let text = with_map(&format!("[map]\ntiles = {{ {tiles} }}\n"));
        let errors = errors_of(&text);
        let line = line_of(&text, "tiles = ");
        assert!(
            errors
                .iter()
                .any(|(l, m)| *l == Some(line) && m.contains(expected)),
            "{expected}: {errors:?}"
        );
    }
    // A misspelt key is an error, not ignored.
    let errors = errors_of(&with_map("[map]\ngeo_json = '{}'\n"));
    assert!(
        errors.iter().any(|(_, m)| m.contains("geo_json")),
        "{errors:?}"
    );
}

#[test]
fn headline_indicators_are_the_plans_else_its_money_targets_first() {
    let plan = Plan::bundled();
    let ids: Vec<&str> = plan
        .headline_indicators(2019)
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(ids, ["3.1-fiscal-aid", "5.2-employed", "6.2-students"]);

    let unmarked = BUNDLED_PLAN.replace("headline = true\n", "");
    let plan = Plan::from_toml(&unmarked, "unmarked.toml").unwrap();
    let fallback = plan.headline_indicators(2019);
    assert_eq!(fallback.len(), 4);
    assert!(fallback.iter().all(|i| i.target_for(2019).is_some()));
    assert_eq!(
        fallback.iter().map(|i| i.id.as_str()).collect::<Vec<_>>()[..3],
        [
            "3.1-fiscal-aid",
            "3.1-fiscal-aid-province",
            "3.1-fiscal-aid-city"
        ],
        "money first, in plan order"
    );
}

fn option_en(plan: &Plan, kind: &str, field: &str, label: &str) -> Option<&'static str> {
    let FieldType::Enum(options) = plan.kind(kind).unwrap().field(field).unwrap().ty else {
        panic!("{kind}.{field} is an enum field");
    };
    enum_option(options, label).unwrap().label_en
}

#[test]
fn options_carry_the_english_labels_the_plan_gives() {
    let plan = Plan::bundled();
    assert_eq!(
        option_en(&plan, "transfer", "source", "省级财政"),
        Some("Provincial budget")
    );
    // A label rendered from the plan's regions, and an option of the plan's own kind.
    assert_eq!(
        option_en(&plan, "activity", "kind", "昭通干部来莞培训班"),
        Some("Zhaotong cadres' course in Dongguan")
    );
    assert_eq!(
        option_en(&plan, "agreement", "type", "年度帮扶计划"),
        Some("Annual assistance plan")
    );
    // None given: pages show the Chinese label, no translation is made up.
    assert_eq!(option_en(&plan, "person", "work_place", "省外"), None);
    let FieldType::Enum(sources) = plan
        .kind_of(BuiltinKind::Transfer)
        .field("source")
        .unwrap()
        .ty
    else {
        unreachable!()
    };
    assert_eq!(sources[0].label_in(true), "Provincial budget");
    assert_eq!(sources[0].label_in(false), "省级财政");

    // An option added and named in English at once.
    let text = format!(
        "{BUNDLED_PLAN}\n[[vocabulary]]\nfield = \"facility.kind\"\nadd = [\"帮扶车间\"]\nen = {{ \"帮扶车间\" = \"Assistance workshop\" }}\n"
    );
    let plan = Plan::from_toml(&text, "v.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        option_en(&plan, "facility", "kind", "帮扶车间"),
        Some("Assistance workshop")
    );
}

#[test]
fn english_labels_of_what_is_not_an_option_are_refused_with_their_line() {
    for (entry, expected) in [
        (
            "field = \"transfer.source\"\nen = { \"外资\" = \"Foreign funds\" }",
            "外资 is not an option of transfer.source",
        ),
        (
            "field = \"transfer.purpose\"\nen = { \"x\" = \"y\" }",
            "transfer.purpose is not an enum field",
        ),
        (
            "field = \"transfer.nothing\"\nen = { \"x\" = \"y\" }",
            "no enum field transfer.nothing",
        ),
        (
            "field = \"transfer.source\"\nen = { \"省级财政\" = \" \" }",
            "must be non-empty text",
        ),
    ] {
        let text = format!("{BUNDLED_PLAN}\n[[vocabulary]]\n{entry}\n");
        let errors = errors_of(&text);
        let at = text.rfind("[[vocabulary]]").unwrap();
        let first_line = text[..at].lines().count() + 1;
        assert!(
            errors
                .iter()
                .any(|(l, m)| l.is_some_and(|l| l > first_line) && m.contains(expected)),
            "{expected}: {errors:?}"
        );
    }
}
