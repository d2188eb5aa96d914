//! The leader's view (领导视图): the home page of the viewer role, also open to
//! coordinators and auditors at /leader. Cards for the plan's headline indicators, what
//! needs attention, the one ranking of towns, the bulletin, a county × action heat-map
//! and a map of the assisted counties coloured by progress — a tile map, or the
//! counties' outlines when the plan carries them (`[map] geojson`). Every chart has its
//! table, for readers without JavaScript or a screen.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use duikou_domain::engine::Assessment;
use duikou_domain::engine::progress::{self, Progress};
use duikou_domain::plan::{Plan, PlanMap};
use serde_json::json;

use super::figures::{AssessQuery, Period, ResultRow, compute, row};
use super::{Ctx, Lang, Req, html};
use crate::web::AppState;
use crate::web::auth::urlencode;

/// How many figures "needs attention" lists before linking to the rest.
const ATTENTION_SHOWN: usize = 10;

/// Progress bands of the map and the heat-map: (lowest share, class, colour). The
/// share is printed in every square too, so colour is never the only cue.
const BANDS: [(i64, &str, &str); 5] = [
    (9_000, "band-4", "#00703c"),
    (7_000, "band-3", "#85994b"),
    (5_000, "band-2", "#ffdd00"),
    (1, "band-1", "#f47738"),
    (0, "band-0", "#d4351c"),
];

fn band(share: i64) -> &'static str {
    BANDS
        .iter()
        .find(|(min, _, _)| share >= *min)
        .map(|(_, class, _)| *class)
        .unwrap_or("band-0")
}

pub struct Card {
    pub row: ResultRow,
}

pub struct RankRow {
    pub rank: usize,
    pub unit: String,
    pub county: String,
    pub share: String,
    pub met: String,
    pub href: String,
}

pub struct HeatCell {
    /// "87.5%", or "—" without a target.
    pub text: String,
    pub band: &'static str,
    pub title: String,
}

pub struct HeatRow {
    pub county: String,
    pub href: String,
    pub cells: Vec<HeatCell>,
    pub total: HeatCell,
}

/// A square of the tile map, or an empty place between squares (`county` empty): the
/// squares are laid out in reading order on a grid of `tile_cols` columns, since the
/// Content-Security-Policy allows no inline style to place them.
pub struct Tile {
    pub county: String,
    pub href: String,
    pub row: u16,
    pub col: u16,
    pub share: String,
    pub met: String,
    pub band: &'static str,
}

/// The squares in reading order with the empty places between them.
fn with_gaps(mut tiles: Vec<Tile>) -> Vec<Tile> {
    tiles.sort_by_key(|t| (t.row, t.col));
    let cols = tiles.iter().map(|t| t.col).max().unwrap_or(1);
    let mut out = Vec::new();
    let (mut r, mut c) = (1u16, 1u16);
    for t in tiles {
        while (r, c) < (t.row, t.col) {
            out.push(Tile {
                county: String::new(),
                href: String::new(),
                row: r,
                col: c,
                share: String::new(),
                met: String::new(),
                band: "",
            });
            (r, c) = if c == cols { (r + 1, 1) } else { (r, c + 1) };
        }
        (r, c) = if t.col == cols {
            (t.row + 1, 1)
        } else {
            (t.row, t.col + 1)
        };
        out.push(t);
    }
    out
}

#[derive(Template)]
#[template(path = "leader.html")]
struct LeaderPage {
    ctx: Ctx,
    period: Period,
    cards: Vec<Card>,
    overall_share: String,
    overall_met: String,
    attention: Vec<ResultRow>,
    attention_total: usize,
    ranking: Vec<RankRow>,
    ranking_rule: &'static str,
    progress_rule: &'static str,
    actions: Vec<(String, String)>,
    heat: Vec<HeatRow>,
    chart_heat: String,
    tiles: Vec<Tile>,
    tile_cols: u16,
    /// The counties' outlines (GeoJSON) when the plan has them: the map is then drawn
    /// from them, the tiles kept for readers without JavaScript.
    chart_map: String,
    geojson: String,
    bands: Vec<(&'static str, String)>,
    bulletin_href: String,
    may_dashboard: bool,
    /// Where the year form goes: `/` for a leader, `/leader` for the others.
    form_action: &'static str,
}

/// GET / (leaders) and GET /leader (coordinators and auditors too).
pub async fn page(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<AssessQuery>,
) -> Response {
    show(&state, &req, &q).await
}

pub async fn show(state: &AppState, req: &Req, q: &AssessQuery) -> Response {
    let actor = req.actor();
    if !actor.can_read_leader_figures() {
        return req.forbidden();
    }
    if let Err(e) = state.services.may_see_figures(&actor) {
        return req.service_error(e);
    }
    let (opts, a) = match compute(state, req, q).await {
        Ok(x) => x,
        Err(e) => return e.into_response(req),
    };
    let l = req.l;
    let plan = state.plan();
    let period = Period::of(state, &opts, l);

    let cards = plan
        .headline_indicators(opts.year)
        .iter()
        .filter_map(|ind| {
            a.results
                .iter()
                .find(|r| r.indicator == ind.id && r.scope == "plan")
        })
        .map(|r| Card {
            row: row(l, r, &period),
        })
        .collect();
    let overall = Progress::of(&a.results);

    let needing = progress::needing_attention(&a.results);
    let attention = needing
        .iter()
        .take(ATTENTION_SHOWN)
        .map(|r| row(l, r, &period))
        .collect();

    let ranking = progress::town_ranking(plan, &a.results)
        .into_iter()
        .map(|s| RankRow {
            rank: s.rank,
            county: plan.paired_county(&s.unit).unwrap_or_default().to_string(),
            share: s.progress.percent_text(),
            met: format!("{}/{}", s.progress.reached, s.progress.targets),
            href: format!("/assess?unit={}&{}", urlencode(&s.unit), period.query),
            unit: s.unit,
        })
        .collect();

    let counties = plan.paired_county_names();
    let (actions, heat, chart_heat) = heat_map(l, plan, &a, &counties, &period);
    let (tiles, chart_map, geojson) = county_map(l, plan, &a, &counties, &period);
    let tile_cols = tiles.iter().map(|t| t.col).max().unwrap_or(1);
    let tiles = with_gaps(tiles);

    html(&LeaderPage {
        ctx: {
            let mut c = req.ctx(l.t("领导视图", "Leader's view"));
            c.charts = true;
            c
        },
        cards,
        overall_share: overall.percent_text(),
        overall_met: super::dashboard::met_of(l, overall),
        attention_total: needing.len(),
        attention,
        ranking,
        ranking_rule: l.s(progress::RANKING_RULE_ZH, progress::RANKING_RULE_EN),
        progress_rule: l.s(progress::PROGRESS_RULE_ZH, progress::PROGRESS_RULE_EN),
        actions,
        heat,
        chart_heat,
        tiles,
        tile_cols,
        chart_map,
        geojson,
        bands: band_legend(l),
        bulletin_href: "/bulletin".into(),
        may_dashboard: actor.can_assess(),
        form_action: if req.uri == "/" || req.uri.starts_with("/?") {
            "/"
        } else {
            "/leader"
        },
        period,
    })
}

fn band_legend(l: Lang) -> Vec<(&'static str, String)> {
    vec![
        ("band-4", l.t("90% 及以上", "90% or more")),
        ("band-3", "70%–90%".into()),
        ("band-2", "50%–70%".into()),
        ("band-1", l.t("50% 以下", "under 50%")),
        ("band-0", l.t("尚无进展", "nothing yet")),
    ]
}

fn heat_cell(l: Lang, p: Progress, what: &str) -> HeatCell {
    if p.targets == 0 {
        HeatCell {
            text: "—".into(),
            band: "band-none",
            title: l.t(format!("{what}：无目标"), format!("{what}: no target")),
        }
    } else {
        HeatCell {
            text: p.percent_text(),
            band: band(p.share),
            title: format!(
                "{what}：{}，{}",
                p.percent_text(),
                super::dashboard::met_of(l, p)
            ),
        }
    }
}

/// Each paired county's progress per action (its own figures and its towns'), as
/// table rows and as an ECharts heat-map.
fn heat_map(
    l: Lang,
    plan: &Plan,
    a: &Assessment,
    counties: &[&str],
    period: &Period,
) -> (Vec<(String, String)>, Vec<HeatRow>, String) {
    let figures = progress::CountyFigures::of(plan, &a.results);
    // Actions with a target in some county's figures.
    let actions: Vec<&duikou_domain::plan::Action> = plan
        .actions
        .iter()
        .filter(|act| {
            counties
                .iter()
                .any(|c| figures.action_progress(c, &act.no).targets > 0)
        })
        .collect();
    let mut data = Vec::new();
    let rows = counties
        .iter()
        .enumerate()
        .map(|(y, county)| {
            let cells = actions
                .iter()
                .enumerate()
                .map(|(x, act)| {
                    let p = figures.action_progress(county, &act.no);
                    if p.targets > 0 {
                        data.push(json!({"value": [x, y, p.percent()], "url": format!("/assess?unit={}&action={}&{}", urlencode(county), urlencode(&act.no), period.query)}));
                    }
                    heat_cell(l, p, &format!("{county} {} {}", act.no, act.title))
                })
                .collect();
            HeatRow {
                county: county.to_string(),
                href: format!("/assess?unit={}&{}", urlencode(county), period.query),
                cells,
                total: heat_cell(l, figures.progress(county), county),
            }
        })
        .collect();
    let chart = json!({
        "tooltip": {"position": "top"},
        "grid": {"left": 8, "right": 8, "top": 8, "bottom": 56, "containLabel": true},
        "xAxis": {"type": "category", "data": actions.iter().map(|a| a.no.clone()).collect::<Vec<_>>(), "splitArea": {"show": true}, "name": l.s("行动", "Action"), "nameLocation": "middle", "nameGap": 28},
        "yAxis": {"type": "category", "inverse": true, "data": counties, "splitArea": {"show": true}},
        "visualMap": visual_map(l),
        "series": [{
            "name": l.s("完成进度", "Progress"),
            "type": "heatmap",
            "label": {"show": true, "formatter": "{@[2]}%"},
            "data": data,
        }],
    });
    (
        actions
            .iter()
            .map(|a| (a.no.clone(), a.title.clone()))
            .collect(),
        rows,
        chart.to_string(),
    )
}

/// The bands as an ECharts piecewise visual map.
fn visual_map(l: Lang) -> serde_json::Value {
    json!({
        "type": "piecewise",
        "orient": "horizontal",
        "left": "center",
        "bottom": 0,
        "dimension": 2,
        "pieces": [
            {"gte": 90, "color": BANDS[0].2, "label": l.s("≥90%", "≥90%")},
            {"gte": 70, "lt": 90, "color": BANDS[1].2, "label": "70–90%"},
            {"gte": 50, "lt": 70, "color": BANDS[2].2, "label": "50–70%"},
            {"gt": 0, "lt": 50, "color": BANDS[3].2, "label": l.s("<50%", "<50%")},
            {"lte": 0, "color": BANDS[4].2, "label": l.s("尚无进展", "nothing yet")},
        ],
    })
}

/// The counties' squares (always: the map without JavaScript), and the ECharts map of
/// their outlines when the plan has them (its option and the GeoJSON text).
fn county_map(
    l: Lang,
    plan: &Plan,
    a: &Assessment,
    counties: &[&str],
    period: &Period,
) -> (Vec<Tile>, String, String) {
    let figures = progress::CountyFigures::of(plan, &a.results);
    let tiles: Vec<Tile> = PlanMap::tiles_for(plan.map.as_ref(), counties)
        .into_iter()
        .map(|(county, r, c)| {
            let p = figures.progress(county);
            Tile {
                county: county.to_string(),
                href: format!("/assess?unit={}&{}", urlencode(county), period.query),
                row: r,
                col: c,
                share: p.percent_text(),
                met: super::dashboard::met_of(l, p),
                band: band(p.share),
            }
        })
        .collect();
    let Some((geojson, name_property)) = plan
        .map
        .as_ref()
        .and_then(|m| Some((m.geojson.as_ref()?, m.name_property.clone())))
    else {
        return (tiles, String::new(), String::new());
    };
    let chart = json!({
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>{c}%"},
        "visualMap": {
            "type": "piecewise", "orient": "horizontal", "left": "center", "bottom": 0,
            "pieces": visual_map(l)["pieces"],
        },
        "series": [{
            "name": l.s("完成进度", "Progress"),
            "type": "map",
            "map": "duikou-counties",
            "nameProperty": name_property,
            "roam": false,
            "top": 8, "bottom": 48,
            // Dark text on a light box: readable on every band's colour.
            "label": {"show": true, "formatter": "{b}\n{c}%", "color": "#0b0c0c", "backgroundColor": "rgba(255,255,255,0.85)", "padding": [2, 4], "lineHeight": 16},
            "emphasis": {"label": {"show": true}},
            "data": tiles.iter().map(|t| json!({
                "name": t.county,
                "value": t.share.trim_end_matches('%').parse::<f64>().unwrap_or(0.0),
                "url": t.href,
            })).collect::<Vec<_>>(),
        }],
    });
    (tiles, chart.to_string(), geojson.clone())
}
