//! Small series for unit tests, written as (date, nodes, links) tuples.

use dexposure_snapshot::{SeriesLoader, SnapshotSeries};

/// One week: date, (id, size) nodes, (source, target, size) links.
pub(crate) type Week<'a> = (&'a str, &'a [(&'a str, f64)], &'a [(&'a str, &'a str, f64)]);

pub(crate) fn series(weeks: &[Week<'_>]) -> SnapshotSeries {
    let body: Vec<String> = weeks
        .iter()
        .map(|(date, nodes, links)| {
            let nodes: Vec<String> = nodes
                .iter()
                .map(|(id, size)| {
                    format!(r#"{{"id": "{id}", "size": {size}, "composition": {{}}}}"#)
                })
                .collect();
            let links: Vec<String> = links
                .iter()
                .map(|(s, t, size)| {
                    format!(
                        r#"{{"source": "{s}", "target": "{t}", "size": {size}, "composition": {{}}}}"#
                    )
                })
                .collect();
            format!(
                r#""{date}": {{"nodes": [{}], "links": [{}]}}"#,
                nodes.join(", "),
                links.join(", ")
            )
        })
        .collect();
    let json = format!(r#"{{"data": {{{}}}}}"#, body.join(", "));
    SeriesLoader::new()
        .load_bytes(json.as_bytes(), "inline.json")
        .expect("series") // ok: test-only helper (the module is #[cfg(test)]); a bad literal series is a test bug
}
