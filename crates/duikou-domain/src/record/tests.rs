use super::*;

use crate::plan::bundled_kind as test_kind;
use proptest::prelude::*;

/// A field map answers by key whatever order its fields came in; a key given twice
/// keeps its last value; keys the kind does not have are left out.
#[test]
fn field_map_finds_fields_by_key_and_keeps_the_last_of_a_repeated_key() {
    let m: FieldMap = [
        ("started_on", Value::Text("b".into())),
        ("name", Value::Text("李".into())),
        ("started_on", Value::Text("c".into())),
        ("hukou_county", Value::Unit("镇雄县".into())),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        m.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        ["hukou_county", "name", "started_on"]
    );
    assert_eq!(m.get("started_on"), Some(&Value::Text("c".into())));
    assert_eq!(m.get("organisation"), None);
    let stored = BTreeMap::from([
        ("name".to_string(), Value::Text("李".into())),
        ("no_such_field".to_string(), Value::Int(1)),
    ]);
    let m = FieldMap::from_fields(test_kind(BuiltinKind::Person), stored);
    assert_eq!(m.len(), 1);
    assert!(m.contains_key("name") && !m.contains_key("no_such_field"));
}

/// The direct decoder gives what parsing into a JSON tree and reading it back gives.
fn same_as_tree(kind: RecordKind, text: &str) {
    let tree = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .map(|j| FieldMap::from_fields(kind, fields_from_json(kind, &j)));
    assert_eq!(fields_from_json_text(kind, text), tree, "{kind:?} {text}");
}

#[test]
fn stored_fields_decode_as_through_a_json_tree() {
    let cases = [
        r#"{"source":"省级财政","amount":123456,"payer":"省财政厅","payee":"镇雄县","budget_year":2019,"sent_on":"2019-03-01","received_on":"2019-03-05","voucher_no":"A-1"}"#,
        r#"{"amount":"12.50","received_on":20190305,"payee":["镇雄县"],"budget_year":2019.0}"#,
        r#"{"amount":1,"amount":"x"}"#,
        r#"{"amount":"x","amount":7}"#,
        r#"{"\u0061mount":5,"unknown":{"deep":[1,{"a":null}]},"sent_on":null}"#,
        r#"{"amount":18446744073709551615,"budget_year":-3}"#,
        r#"{"received_on":"2019-02-30","sent_on":"2019-2-3"}"#,
        r#"[1,2,3]"#,
        r#""text""#,
        r#"null"#,
        r#"{}"#,
        r#"{"amount":1} trailing"#,
        r#"{"amount":1"#,
        "",
    ];
    for text in cases {
        same_as_tree(test_kind(BuiltinKind::Transfer), text);
    }
    let activity = [
        r#"{"kind":"招商推介会","organizers":["黄江镇","清溪镇",3,null,["x"],{"a":1}],"held_on":"2019-05-01","participants":40}"#,
        r#"{"organizers":"黄江镇","participants":true}"#,
        r#"{"organizers":[],"participants":-1}"#,
    ];
    for text in activity {
        same_as_tree(test_kind(BuiltinKind::Activity), text);
    }
    same_as_tree(
        test_kind(BuiltinKind::Person),
        r#"{"programme":"劳务就业","registered_poor":true,"started_on":"2019-04-01","name":"张\"三\""}"#,
    );
    same_as_tree(
        test_kind(BuiltinKind::Person),
        r#"{"registered_poor":"是"}"#,
    );
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        (-1e6f64..1e6).prop_map(serde_json::Value::from),
        "[0-9-]{0,12}".prop_map(serde_json::Value::String),
        "\\PC{0,6}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec(("[a-z_]{1,8}", inner), 0..4)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_stored_object_decodes_as_through_a_json_tree(
        kind in prop::sample::select(crate::plan::Plan::bundled().kinds().to_vec()),
        entries in prop::collection::vec((0usize..12, json_value()), 0..10),
    ) {
        // Keys drawn from the kind's own fields (plus a few strangers).
        let fields = kind.fields();
        let body: Vec<String> = entries
            .iter()
            .map(|(i, v)| {
                let key = fields.get(*i).map_or("other", |f| f.key);
                format!("{}:{}", serde_json::Value::from(key), v)
            })
            .collect();
        same_as_tree(kind, &format!("{{{}}}", body.join(",")));
    }
}
