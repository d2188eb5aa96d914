//! `[map]`: how the leader's view draws the assisted counties. Without it, a tile map
//! (each paired county a square on a grid, in plan order); with `tiles`, the squares
//! where the plan puts them; with `geojson`, the counties' outlines (an ECharts map).
//!
//! The GeoJSON is held as text inside the plan (a plan is stored whole, so a file
//! beside it would be lost) and checked on load: a FeatureCollection whose features
//! are polygons named, by `name_property`, after the plan's paired counties, each once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use toml::Spanned;

use super::build::Collector;
use super::{CountyPairing, Unit, UnitKind};

/// The most a plan's GeoJSON may be: outlines simplified for a screen, not a survey.
pub const MAX_GEOJSON_BYTES: usize = 8 * 1024 * 1024;
/// Tiles are placed on a grid at most this many squares wide and high.
pub const MAX_TILE: u16 = 30;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMap {
    #[serde(default)]
    tiles: Option<Spanned<toml::Table>>,
    #[serde(default)]
    geojson: Option<Spanned<String>>,
    #[serde(default)]
    name_property: Option<Spanned<String>>,
}

/// The plan's `[map]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanMap {
    /// Each paired county's square on the tile map: (row, column), from 1.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tiles: BTreeMap<String, (u16, u16)>,
    /// The counties' outlines, a GeoJSON FeatureCollection as the plan gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geojson: Option<String>,
    /// The feature property holding the county's name.
    pub name_property: String,
}

impl PlanMap {
    /// The tile of each paired county (given in plan order): the plan's own, else a
    /// grid filled row by row, as square as the number of counties allows.
    pub fn tiles_for<'a>(map: Option<&PlanMap>, counties: &[&'a str]) -> Vec<(&'a str, u16, u16)> {
        if let Some(m) = map.filter(|m| !m.tiles.is_empty()) {
            return counties
                .iter()
                .filter_map(|c| m.tiles.get(*c).map(|(r, col)| (*c, *r, *col)))
                .collect();
        }
        let columns = (1..)
            .find(|k: &usize| k * k >= counties.len())
            .unwrap_or(1)
            .max(1);
        counties
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, (i / columns) as u16 + 1, (i % columns) as u16 + 1))
            .collect()
    }
}

/// The checked `[map]`, every problem reported with its line.
pub(super) fn build_map(
    raw: Option<&Spanned<RawMap>>,
    units: &[Unit],
    pairings: &[CountyPairing],
    c: &mut Collector<'_>,
) -> Option<PlanMap> {
    let raw = raw?;
    let m = raw.get_ref();
    let paired: Vec<&str> = pairings.iter().map(|p| p.county.as_str()).collect();
    let name_property = m
        .name_property
        .as_ref()
        .map(|s| s.get_ref().trim().to_string())
        .unwrap_or_else(|| "name".into());
    if name_property.is_empty() {
        if let Some(s) = &m.name_property {
            c.at(
                s,
                "[map] name_property 为空",
                "[map] name_property is empty",
            );
        }
    }

    let mut tiles = BTreeMap::new();
    if let Some(st) = &m.tiles {
        let mut taken: BTreeMap<(u16, u16), String> = BTreeMap::new();
        for (county, v) in st.get_ref() {
            let county = county.trim();
            if !paired.contains(&county) {
                c.at(
                    st,
                    format!("[map] tiles 中的「{county}」不是结对县区"),
                    format!("[map] tiles: \"{county}\" is not a paired county"),
                );
                continue;
            }
            let place = v.as_array().and_then(|a| match a.as_slice() {
                [r, col] => Some((r.as_integer()?, col.as_integer()?)),
                _ => None,
            });
            let Some((r, col)) = place.filter(|(r, col)| {
                (1..=i64::from(MAX_TILE)).contains(r) && (1..=i64::from(MAX_TILE)).contains(col)
            }) else {
                c.at(
                    st,
                    format!("[map] tiles 中 {county} 的位置应为 [行, 列]，各为 1 到 {MAX_TILE} 的整数"),
                    format!("[map] tiles: the place of {county} must be [row, column], each a whole number from 1 to {MAX_TILE}"),
                );
                continue;
            };
            let place = (r as u16, col as u16);
            if let Some(other) = taken.insert(place, county.to_string()) {
                c.at(
                    st,
                    format!("[map] tiles 中 {county} 与 {other} 在同一格（{r}, {col}）"),
                    format!("[map] tiles: {county} and {other} share the square ({r}, {col})"),
                );
            }
            tiles.insert(county.to_string(), place);
        }
        let missing: Vec<&str> = paired
            .iter()
            .copied()
            .filter(|p| !st.get_ref().keys().any(|k| k.trim() == *p))
            .collect();
        if !missing.is_empty() {
            c.at(
                st,
                format!("[map] tiles 缺少结对县区：{}", missing.join("、")),
                format!(
                    "[map] tiles lacks the paired counties: {}",
                    missing.join(", ")
                ),
            );
        }
    }

    let geojson = m.geojson.as_ref().map(|g| {
        let problems = check_geojson(g.get_ref(), &name_property, units, &paired);
        for (zh, en) in problems {
            c.at(
                g,
                format!("[map] geojson：{zh}"),
                format!("[map] geojson: {en}"),
            );
        }
        g.get_ref().clone()
    });

    Some(PlanMap {
        tiles,
        geojson,
        name_property,
    })
}

/// What is wrong with a GeoJSON text as the counties' outlines (at most a few problems:
/// the first of each feature, then the counties without one).
fn check_geojson(
    text: &str,
    name_property: &str,
    units: &[Unit],
    paired: &[&str],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if text.len() > MAX_GEOJSON_BYTES {
        out.push((
            format!("超过 {} MB，请先简化轮廓", MAX_GEOJSON_BYTES / 1024 / 1024),
            format!(
                "larger than {} MB: simplify the outlines first",
                MAX_GEOJSON_BYTES / 1024 / 1024
            ),
        ));
        return out;
    }
    let doc: Json = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.push((
                format!(
                    "不是有效的 JSON（第 {} 行第 {} 列）：{e}",
                    e.line(),
                    e.column()
                ),
                format!(
                    "not valid JSON (line {} column {} of the text): {e}",
                    e.line(),
                    e.column()
                ),
            ));
            return out;
        }
    };
    if doc.get("type").and_then(Json::as_str) != Some("FeatureCollection") {
        out.push((
            "应为 FeatureCollection（\"type\": \"FeatureCollection\"）".into(),
            "must be a FeatureCollection (\"type\": \"FeatureCollection\")".into(),
        ));
        return out;
    }
    let Some(features) = doc.get("features").and_then(Json::as_array) else {
        out.push(("缺少 features 数组".into(), "has no features array".into()));
        return out;
    };
    let mut named: BTreeMap<String, usize> = BTreeMap::new();
    for (i, f) in features.iter().enumerate() {
        let n = i + 1;
        let name = f
            .get("properties")
            .and_then(|p| p.get(name_property))
            .and_then(Json::as_str)
            .map(str::trim);
        let Some(name) = name else {
            out.push((
                format!("第 {n} 个要素没有文本属性 {name_property}（县区名称）"),
                format!("feature {n} has no text property {name_property} (the county's name)"),
            ));
            continue;
        };
        match units.iter().find(|u| u.name == name) {
            None => out.push((
                format!("第 {n} 个要素「{name}」不是计划中的单位"),
                format!("feature {n} \"{name}\" is not a unit of the plan"),
            )),
            Some(u) if u.kind != UnitKind::County => out.push((
                format!("第 {n} 个要素「{name}」不是县区"),
                format!("feature {n} \"{name}\" is not a county"),
            )),
            Some(_) => {
                if let Some(prev) = named.insert(name.to_string(), n) {
                    out.push((
                        format!("第 {n} 个要素与第 {prev} 个要素同为「{name}」"),
                        format!("features {prev} and {n} are both \"{name}\""),
                    ));
                }
            }
        }
        if let Err((zh, en)) = check_geometry(f.get("geometry")) {
            out.push((
                format!("第 {n} 个要素「{name}」的 geometry {zh}"),
                format!("the geometry of feature {n} \"{name}\" {en}"),
            ));
        }
    }
    let missing: Vec<&str> = paired
        .iter()
        .copied()
        .filter(|p| !named.contains_key(*p))
        .collect();
    if !missing.is_empty() {
        out.push((
            format!("缺少结对县区的轮廓：{}", missing.join("、")),
            format!(
                "has no outline for the paired counties: {}",
                missing.join(", ")
            ),
        ));
    }
    out
}

/// A Polygon or MultiPolygon of longitude–latitude rings.
fn check_geometry(g: Option<&Json>) -> Result<(), (&'static str, &'static str)> {
    let kind = g.and_then(|g| g.get("type")).and_then(Json::as_str);
    let coords = g
        .and_then(|g| g.get("coordinates"))
        .and_then(Json::as_array);
    let polygons: Vec<&Json> = match (kind, coords) {
        (Some("Polygon"), Some(_)) => vec![g.and_then(|g| g.get("coordinates")).unwrap()],
        (Some("MultiPolygon"), Some(c)) => c.iter().collect(),
        _ => {
            return Err((
                "应为 Polygon 或 MultiPolygon",
                "must be a Polygon or a MultiPolygon",
            ));
        }
    };
    let bad = || {
        Err((
            "的坐标应为经纬度点组成的闭合环",
            "must hold closed rings of longitude–latitude points",
        ))
    };
    if polygons.is_empty() {
        return bad();
    }
    for polygon in polygons {
        let Some(rings) = polygon.as_array().filter(|r| !r.is_empty()) else {
            return bad();
        };
        for ring in rings {
            let Some(points) = ring.as_array().filter(|p| p.len() >= 4) else {
                return bad();
            };
            for p in points {
                let lon_lat = p
                    .as_array()
                    .and_then(|xy| Some((xy.first()?.as_f64()?, xy.get(1)?.as_f64()?)));
                match lon_lat {
                    Some((lon, lat))
                        if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => {}
                    _ => return bad(),
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_is_as_square_as_the_counties_allow() {
        let six = ["a", "b", "c", "d", "e", "f"];
        let t = PlanMap::tiles_for(None, &six);
        assert_eq!(
            t,
            vec![
                ("a", 1, 1),
                ("b", 1, 2),
                ("c", 1, 3),
                ("d", 2, 1),
                ("e", 2, 2),
                ("f", 2, 3)
            ]
        );
        assert_eq!(PlanMap::tiles_for(None, &["a"]), vec![("a", 1, 1)]);
        let mut tiles = BTreeMap::new();
        tiles.insert("a".to_string(), (3, 4));
        let own = PlanMap {
            tiles,
            geojson: None,
            name_property: "name".into(),
        };
        assert_eq!(PlanMap::tiles_for(Some(&own), &["a"]), vec![("a", 3, 4)]);
    }
}
