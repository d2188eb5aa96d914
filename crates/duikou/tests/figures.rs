//! The figures leaders read, end to end on demo data (issue 17): one ranking shown alike
//! by the dashboard, the monthly bulletin (page and workbook) and the assessment
//! workbook; action bars that show progress toward the targets; leaders may open the
//! bulletin; the leader's view with its cards, heat-map and map. On SQLite and, when
//! DUIKOU_TEST_POSTGRES_URL is set, on PostgreSQL.

#[macro_use]
mod common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::{ApiClient, Backend, PAIRED_COUNTIES as COUNTIES, TestApp, plan_with_outlines};

const COORD: &str = "经协办";
const LEADER: &str = "领导";
const QX: &str = "清溪镇";
const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", Some("市经协办")),
    (LEADER, "viewer", None),
    (QX, "reporter", Some("清溪镇")),
];

async fn start(backend: Backend) -> TestApp {
    let app = TestApp::spawn_with_users(backend, USERS).await;
    app.cli_ok(&["demo"]);
    app
}

on_both_backends!(
    dashboard_bulletin_and_workbook_rank_alike,
    an_action_just_short_of_its_target_shows_its_progress,
    leaders_open_the_bulletin_but_not_the_package,
    a_leader_signs_in_to_the_leaders_view,
    english_pages_read_in_million_yuan_and_the_plans_words,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_plan_with_outlines_draws_them_for_leaders() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan-with-map.toml");
    std::fs::write(&plan, plan_with_outlines()).unwrap();
    let mut app = TestApp::uninitialised(Backend::Sqlite);
    app.cli_ok(&["init", "--plan", plan.to_str().unwrap()]);
    app.add_users(USERS);
    app.restart_server();
    let leader = app.cookie_login(LEADER).await;
    let html = page(&leader, "/").await;
    let option: serde_json::Value =
        serde_json::from_str(&attribute(&html, "chart-map", "data-chart")).unwrap();
    assert_eq!(option["series"][0]["type"], "map");
    assert_eq!(option["series"][0]["nameProperty"], "name");
    let names: Vec<&str> = option["series"][0]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, COUNTIES);
    let geojson: serde_json::Value =
        serde_json::from_str(&attribute(&html, "chart-map", "data-geojson")).unwrap();
    assert_eq!(geojson["features"].as_array().unwrap().len(), 6);
    // The squares stay for readers without JavaScript.
    let tiles_tag = &html[html.find("<ol class=\"tile-map").unwrap()..];
    let tiles_tag = &tiles_tag[..tiles_tag.find('>').unwrap()];
    assert!(tiles_tag.contains("tile-map-fallback"), "{tiles_tag}");
    assert_eq!(html.matches("class=\"tile ").count(), 6);
}

// ------------------------------------------------------------------ reading pages

/// The text of an HTML fragment: tags dropped, entities undone, spaces collapsed.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The body rows of the table with this id, each as the texts of its cells.
fn table_rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("a table #{id} on the page"));
    let table = &html[start..];
    let table = &table[..table.find("</table>").expect("the table ends")];
    let body = &table[table.find("<tbody>").expect("a tbody")..];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            let row = &row[..row.find("</tr>").unwrap_or(row.len())];
            let mut cells = Vec::new();
            let mut rest = row;
            while let Some(open) = rest.find(['<']) {
                let tag = &rest[open..];
                if tag.starts_with("<td") || tag.starts_with("<th") {
                    let close = if tag.starts_with("<td") {
                        "</td>"
                    } else {
                        "</th>"
                    };
                    let inner_start = tag.find('>').unwrap() + 1;
                    let end = tag.find(close).unwrap_or(tag.len());
                    cells.push(text_of(&tag[inner_start..end]));
                    rest = &tag[end..];
                } else {
                    rest = &tag[1..];
                }
            }
            cells
        })
        .collect()
}

/// The value of an attribute on the element with this id, entities undone.
fn attribute(html: &str, id: &str, name: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} on the page"));
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..];
    let tag = &tag[..tag.find('>').unwrap()];
    let key = format!("{name}=\"");
    let v = tag.find(&key).unwrap_or_else(|| panic!("{name} on #{id}")) + key.len();
    let end = tag[v..].find('"').unwrap();
    tag[v..v + end]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn last_word(s: &str) -> String {
    s.split_whitespace().last().unwrap_or_default().to_string()
}

async fn page(c: &ApiClient, path: &str) -> String {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.text);
    r.text
}

async fn bytes(c: &ApiClient, path: &str) -> Vec<u8> {
    let res = c
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 200, "GET {path}");
    res.bytes().await.expect("the body").to_vec()
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an .xlsx");
    wb.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
        .rows()
        .map(|r| r.to_vec())
        .collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// (rank, unit, "87.5%") rows of a ranking sheet's section, found by its heading.
fn sheet_ranking(rows: &[Vec<Data>], heading: &str) -> Vec<(String, String, String)> {
    let at = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| cell_text(c) == heading))
        .unwrap_or_else(|| panic!("{heading} in the sheet"));
    rows[at + 2..]
        .iter()
        .take_while(|r| {
            r.first()
                .is_some_and(|c| matches!(c, Data::Float(_) | Data::Int(_)))
        })
        .map(|r| {
            let ratio = match &r[4] {
                Data::Float(f) => *f,
                other => panic!("a share in {other:?}"),
            };
            (
                cell_text(&r[0]),
                cell_text(&r[1]),
                format!("{:.1}%", ratio * 100.0),
            )
        })
        .collect()
}

fn sheet_has(rows: &[Vec<Data>], part: &str) -> bool {
    rows.iter()
        .flatten()
        .any(|c| matches!(c, Data::String(s) if s.contains(part)))
}

// ------------------------------------------------------------------ scenarios

async fn dashboard_bulletin_and_workbook_rank_alike(app: &mut TestApp) {
    let coord = app.cookie_login(COORD).await;
    // One month-end, approved records only: what the bulletin of June 2019 counts.
    let dashboard = page(&coord, "/dashboard?year=2019&as_of=2019-06-30").await;
    let from_dashboard: Vec<(String, String, String)> = table_rows(&dashboard, "table-towns")
        .into_iter()
        .map(|c| (c[0].clone(), c[1].clone(), c[4].clone()))
        .collect();
    assert_eq!(from_dashboard.len(), 22, "every town ranked");

    let bulletin = page(&coord, "/bulletin?month=2019-06").await;
    let unit_rows = |id: &str| -> Vec<(String, String, String)> {
        table_rows(&bulletin, id)
            .into_iter()
            .map(|c| (c[0].clone(), c[1].clone(), last_word(&c[4])))
            .collect()
    };
    let towns_page = unit_rows("bulletin-towns");
    let departments_page: Vec<(String, String, String)> =
        table_rows(&bulletin, "bulletin-departments")
            .into_iter()
            .map(|c| (c[0].clone(), c[1].clone(), last_word(&c[3])))
            .collect();

    let b = bytes(&coord, "/bulletin.xlsx?month=2019-06").await;
    let b_rows = sheet(&b, "月度通报");
    let towns_xlsx = sheet_ranking(&b_rows, "一、帮扶镇街排名");
    let departments_xlsx = sheet_ranking(&b_rows, "二、市直单位排名");

    let w = bytes(&coord, "/assess.xlsx?year=2019&as_of=2019-06-30").await;
    let w_rows = sheet(&w, "排名");
    let towns_workbook = sheet_ranking(&w_rows, "一、帮扶镇街排名");
    let departments_workbook = sheet_ranking(&w_rows, "二、市直单位排名");

    assert_eq!(from_dashboard, towns_page, "dashboard and bulletin page");
    assert_eq!(towns_page, towns_xlsx, "bulletin page and its workbook");
    assert_eq!(
        towns_xlsx, towns_workbook,
        "bulletin and assessment workbook"
    );
    assert!(departments_page.len() > 3, "{departments_page:?}");
    assert_eq!(departments_page, departments_xlsx);
    assert_eq!(departments_xlsx, departments_workbook);

    // A ranking that separates what it can: shares fall, and equal shares with equal
    // targets met share their rank.
    let share = |s: &str| s.trim_end_matches('%').parse::<f64>().unwrap();
    for w in from_dashboard.windows(2) {
        assert!(share(&w[0].2) >= share(&w[1].2), "{w:?}");
    }
    let distinct: std::collections::BTreeSet<&str> =
        from_dashboard.iter().map(|r| r.2.as_str()).collect();
    assert!(
        distinct.len() > 5,
        "mid-year progress tells towns apart: {distinct:?}"
    );

    // Each says how it ranks.
    let rule = "按各单位年度目标的平均完成率排名";
    assert!(text_of(&dashboard).contains(rule));
    assert!(text_of(&bulletin).contains(rule));
    assert!(sheet_has(&b_rows, rule));
    assert!(sheet_has(&w_rows, rule));
    let standalone =
        String::from_utf8(bytes(&coord, "/bulletin.html?month=2019-06").await).unwrap();
    assert!(standalone.contains(rule));
}

async fn an_action_just_short_of_its_target_shows_its_progress(app: &mut TestApp) {
    let coord = app.cookie_login(COORD).await;
    // 2020: 1,893 students of 1,900 (6.2, action 6's only indicator with a target).
    let html = page(&coord, "/dashboard?year=2020").await;
    let rows = table_rows(&html, "table-actions");
    let six = rows
        .iter()
        .find(|r| r[0].starts_with("6 "))
        .expect("action 6 in the table");
    assert!(six[1].contains("99.6%"), "{six:?}");
    assert!(six[1].contains("已完成 0/1"), "{six:?}");

    let chart: serde_json::Value =
        serde_json::from_str(&attribute(&html, "chart-actions", "data-chart")).unwrap();
    let names = chart["yAxis"]["data"].as_array().unwrap();
    let i = names
        .iter()
        .position(|n| n.as_str().unwrap().starts_with("6 "))
        .unwrap();
    let bar = &chart["series"][0]["data"][i];
    assert_eq!(bar["value"].as_f64(), Some(99.6), "{bar}");
    assert!(
        bar["label"]["formatter"].as_str().unwrap().contains("0/1"),
        "{bar}"
    );
    // One bar per action, no stack of status shares that reads 0 % as a full red bar.
    assert_eq!(chart["series"].as_array().unwrap().len(), 1);
    assert!(text_of(&html).contains("完成进度为各项有目标指标完成率"));
}

async fn leaders_open_the_bulletin_but_not_the_package(app: &mut TestApp) {
    let leader = app.cookie_login(LEADER).await;
    let html = page(&leader, "/bulletin?month=2019-06").await;
    assert!(html.contains("id=\"bulletin-towns\""));
    assert!(html.contains("/bulletin.xlsx?month=2019-06"));
    assert!(
        !html.contains("/package.zip"),
        "no package link for a leader"
    );
    assert!(
        html.contains("href=\"/bulletin\""),
        "the bulletin is in the leader's menu"
    );
    bytes(&leader, "/bulletin.xlsx?month=2019-06").await;
    bytes(&leader, "/bulletin.html?month=2019-06").await;
    assert_eq!(leader.get("/package.zip?year=2019").await.status, 403);
    assert_eq!(leader.get("/export/transfer.csv").await.status, 403);
    // A reporting unit still does not.
    let qx = app.cookie_login(QX).await;
    assert_eq!(qx.get("/bulletin?month=2019-06").await.status, 403);
}

async fn a_leader_signs_in_to_the_leaders_view(app: &mut TestApp) {
    let leader = app.cookie_login(LEADER).await;
    let html = page(&leader, "/?year=2020").await;
    let text = text_of(&html);
    // Cards: the plan's headline indicators, then every figure with a target.
    let cards = &html[html.find("id=\"kpi-cards\"").unwrap()..];
    let cards = &cards[..cards.find("id=\"attention\"").unwrap()];
    for id in ["3.1-fiscal-aid", "5.2-employed", "6.2-students"] {
        assert!(
            cards.contains(&format!("data-indicator=\"{id}\"")),
            "card {id}"
        );
    }
    assert_eq!(
        cards.matches("<section class=\"card").count(),
        4,
        "three headline cards and the total"
    );
    assert!(text_of(cards).contains("1,893人"), "{}", text_of(cards));
    // Needs attention: what is not met comes before what is met late.
    let attention = table_rows(&html, "attention-table");
    assert!(!attention.is_empty());
    let statuses: Vec<&str> = attention
        .iter()
        .map(|r| r.last().unwrap().as_str())
        .collect();
    let first_late = statuses
        .iter()
        .position(|s| *s == "逾期完成")
        .unwrap_or(statuses.len());
    assert!(
        statuses[..first_late].iter().all(|s| *s == "未完成"),
        "{statuses:?}"
    );
    // The ranking is the dashboard's.
    let ranking: Vec<(String, String, String)> = table_rows(&html, "table-ranking")
        .into_iter()
        .map(|c| (c[0].clone(), c[1].clone(), c[3].clone()))
        .collect();
    let dashboard = page(&leader, "/dashboard?year=2020").await;
    let on_dashboard: Vec<(String, String, String)> = table_rows(&dashboard, "table-towns")
        .into_iter()
        .map(|c| (c[0].clone(), c[1].clone(), c[4].clone()))
        .collect();
    assert_eq!(ranking, on_dashboard);
    assert!(text.contains("按各单位年度目标的平均完成率排名"));
    assert!(html.contains("href=\"/bulletin\""));
    // County × action: a row per paired county, its total the map's figure.
    let heat = table_rows(&html, "table-heat");
    assert_eq!(
        heat.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        COUNTIES
    );
    let chart: serde_json::Value =
        serde_json::from_str(&attribute(&html, "chart-heat", "data-chart")).unwrap();
    assert_eq!(chart["series"][0]["type"], "heatmap");
    let tiles = &html[html.find("id=\"tile-map\"").unwrap()..];
    let tiles = &tiles[..tiles.find("</ol>").unwrap()];
    assert_eq!(tiles.matches("class=\"tile ").count(), 6);
    for row in &heat {
        let total = row.last().unwrap();
        assert!(
            text_of(tiles).contains(&format!("{} {total}", row[0])),
            "{} at {total} on the map: {}",
            row[0],
            text_of(tiles)
        );
    }
    assert!(
        !html.contains("id=\"chart-map\""),
        "no outlines in the bundled plan: tiles"
    );
    // Coordinators see it at /leader; reporters do not.
    let coord = app.cookie_login(COORD).await;
    let for_coord = page(&coord, "/leader?year=2020").await;
    assert!(for_coord.contains("id=\"tile-map\""));
    let qx = app.cookie_login(QX).await;
    assert_eq!(qx.get("/leader").await.status, 403);
}

async fn english_pages_read_in_million_yuan_and_the_plans_words(app: &mut TestApp) {
    let coord = app.cookie_login(COORD).await;
    assert_eq!(coord.get("/lang?to=en&back=/").await.status, 200);
    // Money in millions, exact from fen: 17,700.00 万元 is 177.00 million yuan.
    let home = text_of(&page(&coord, "/?year=2020").await);
    assert!(home.contains("177.00 million yuan"), "{home}");
    let dashboard = page(&coord, "/dashboard?year=2020").await;
    let text = text_of(&dashboard);
    assert!(!text.contains("10k yuan") && !dashboard.contains("10k yuan"));
    assert!(text.contains("million yuan"));
    // The plan's English labels of its options: the funds table, forms, record pages.
    let funds_head = &dashboard[dashboard.find("id=\"table-funds\"").unwrap()..];
    let funds_head = &funds_head[..funds_head.find("</thead>").unwrap()];
    assert!(
        text_of(funds_head).contains("Provincial budget"),
        "{}",
        text_of(funds_head)
    );
    let form = page(&coord, "/records/transfer/new").await;
    assert!(
        form.contains("<option value=\"省级财政\">Provincial budget</option>"),
        "the label in English, the value as stored"
    );
    let list = coord
        .get("/api/v1/records/transfer?status=approved&per_page=1")
        .await;
    let id = list.body["items"][0]["id"].as_i64().expect("a transfer");
    let detail = text_of(&page(&coord, &format!("/records/transfer/{id}")).await);
    assert!(
        [
            "Provincial budget",
            "City budget",
            "Town budget",
            "Social funds"
        ]
        .iter()
        .any(|s| detail.contains(s)),
        "{detail}"
    );
    assert!(!detail.contains("省级财政") && !detail.contains("市级财政"));
    assert!(detail.contains("million yuan"));
    // Counts agree in number: 2 of 3 medical batches, 1 batch short (the home page's
    // table of what needs attention gives the gap).
    let assess = text_of(&page(&coord, "/assess?year=2020&indicator=2.3-medical-batches").await);
    assert!(assess.contains("2 batches ≥ 3 batches"), "{assess}");
    assert!(assess.contains("1 of 205 results"), "{assess}");
    let row = home
        .split("2.3-medical-batches")
        .nth(1)
        .expect("the medical batches need attention");
    assert!(
        row.trim_start()
            .starts_with("whole programme 2 batches ≥ 3 batches 1 batch "),
        "{row}"
    );
    assert!(!home.contains("1 batches"));
    // Chinese pages keep 万元 and the Chinese labels.
    coord.get("/lang?to=zh&back=/").await;
    let zh = text_of(&page(&coord, "/?year=2020").await);
    assert!(zh.contains("17,700.00 万元"), "{zh}");
}
