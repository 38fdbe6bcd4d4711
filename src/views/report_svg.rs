//! Charts as inline SVG, drawn on the server: no script, no font and no request leaves the
//! page. Every text placed in the markup goes through `escape`.

use std::fmt::Write;

use crate::views::reports::Count;

/// Colour-blind-safe colours (Okabe and Ito), dark enough for white paper.
pub const BLUE: &str = "#0072B2";
pub const ORANGE: &str = "#E69F00";
pub const GREEN: &str = "#009E73";
pub const VERMILLION: &str = "#D55E00";
pub const PURPLE: &str = "#CC79A7";
pub const GREY: &str = "#8A929C";

/// Escapes text for HTML and SVG, in element content and in quoted attributes alike.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A count as shown: the number, or `x` when it is hidden. Not `<N`: a count hidden to
/// protect another may be large, and saying which counts are small would undo the
/// protection.
pub fn show(count: Count, threshold: Option<i64>) -> String {
    match (count, threshold) {
        (Some(n), _) => n.to_string(),
        (None, Some(_)) => HIDDEN.to_owned(),
        (None, None) => "–".to_owned(),
    }
}

/// How a hidden count is written on the page and in charts.
pub const HIDDEN: &str = "x";

fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut short: String = label.chars().take(max - 1).collect();
        short.push('…');
        short
    }
}

/// One series of a bar chart: its name in the legend and its colour.
pub struct Series<'a> {
    pub name: &'a str,
    pub colour: &'a str,
}

/// One group of bars: a label and one value per series.
pub struct BarRow {
    pub label: String,
    pub values: Vec<Count>,
}

const WIDTH: f64 = 420.0;
const LABEL_WIDTH: f64 = 172.0;
const VALUE_WIDTH: f64 = 44.0;
const BAR_HEIGHT: f64 = 14.0;
const ROW_GAP: f64 = 10.0;
const LEGEND_HEIGHT: f64 = 26.0;

/// A horizontal bar chart, one group of bars per row. Suppressed counts draw no bar and are
/// labelled `<N`.
pub fn bar_chart(
    id: &str,
    title: &str,
    series: &[Series],
    rows: &[BarRow],
    threshold: Option<i64>,
) -> String {
    let mut svg = String::new();
    if rows.is_empty() {
        let _ = write!(
            svg,
            r#"<svg id="{id}" viewBox="0 0 {WIDTH} 40" role="img" aria-label="{t}"><title>{t}</title><text x="0" y="24" class="empty">None</text></svg>"#,
            t = escape(title),
        );
        return svg;
    }
    let max = rows.iter().flat_map(|r| r.values.iter().flatten()).copied().max().unwrap_or(0).max(1) as f64;
    let bar_area = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let group_height = series.len() as f64 * (BAR_HEIGHT + 2.0);
    let legend = if series.len() > 1 { LEGEND_HEIGHT } else { 0.0 };
    let height = legend + rows.len() as f64 * (group_height + ROW_GAP);
    let _ = write!(
        svg,
        r#"<svg id="{id}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title),
    );
    if series.len() > 1 {
        let mut x = 0.0;
        for s in series {
            let _ = write!(
                svg,
                r#"<rect x="{x}" y="4" width="12" height="12" fill="{c}"/><text x="{tx}" y="15" class="legend">{n}</text>"#,
                c = s.colour,
                tx = x + 16.0,
                n = escape(s.name),
            );
            x += 24.0 + 7.5 * s.name.chars().count() as f64;
        }
    }
    for (i, row) in rows.iter().enumerate() {
        let top = legend + i as f64 * (group_height + ROW_GAP);
        let _ = write!(
            svg,
            r#"<g><title>{full}</title><text x="{lx}" y="{ly}" class="label" text-anchor="end">{short}</text>"#,
            full = escape(&row.label),
            lx = LABEL_WIDTH - 8.0,
            ly = top + group_height / 2.0 + 4.5,
            short = escape(&shorten(&row.label, 24)),
        );
        for (j, (value, s)) in row.values.iter().zip(series).enumerate() {
            let y = top + j as f64 * (BAR_HEIGHT + 2.0);
            let length = value.map(|n| (n as f64 / max * bar_area).max(if n > 0 { 2.0 } else { 0.0 }));
            let length = length.unwrap_or(0.0);
            let _ = write!(
                svg,
                r#"<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1}" height="{BAR_HEIGHT}" rx="2" fill="{c}"><title>{n}: {v}</title></rect><text x="{vx:.1}" y="{vy}" class="value">{v}</text>"#,
                c = s.colour,
                n = escape(s.name),
                v = escape(&show(*value, threshold)),
                vx = LABEL_WIDTH + length + 4.0,
                vy = y + BAR_HEIGHT - 3.0,
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// One slice of a donut.
pub struct Slice<'a> {
    pub label: &'a str,
    pub value: Count,
    pub colour: &'a str,
}

/// A donut of a whole split into parts, with a legend that carries the numbers.
pub fn donut(id: &str, title: &str, slices: &[Slice], threshold: Option<i64>) -> String {
    const R: f64 = 52.0;
    const CX: f64 = 70.0;
    const CY: f64 = 70.0;
    let circumference = 2.0 * std::f64::consts::PI * R;
    let known: i64 = slices.iter().filter_map(|s| s.value).sum();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg id="{id}" viewBox="0 0 {WIDTH} 140" role="img" aria-label="{t}"><title>{t}</title><circle cx="{CX}" cy="{CY}" r="{R}" fill="none" stroke="#E3E6EA" stroke-width="24"/>"##,
        t = escape(title),
    );
    let mut offset = 0.0;
    for slice in slices {
        let Some(value) = slice.value.filter(|v| *v > 0) else { continue };
        let dash = value as f64 / known as f64 * circumference;
        let _ = write!(
            svg,
            r#"<circle cx="{CX}" cy="{CY}" r="{R}" fill="none" stroke="{c}" stroke-width="24" stroke-dasharray="{dash:.2} {gap:.2}" stroke-dashoffset="{off:.2}" transform="rotate(-90 {CX} {CY})"><title>{l}: {value}</title></circle>"#,
            c = slice.colour,
            gap = circumference - dash,
            off = -offset,
            l = escape(slice.label),
        );
        offset += dash;
    }
    let all_known = slices.iter().all(|s| s.value.is_some());
    let centre = if all_known { known.to_string() } else { show(None, threshold) };
    let _ = write!(
        svg,
        r#"<text x="{CX}" y="{ty}" text-anchor="middle" class="total">{c}</text>"#,
        ty = CY + 7.0,
        c = escape(&centre),
    );
    for (i, slice) in slices.iter().enumerate() {
        let y = 40.0 + i as f64 * 28.0;
        let _ = write!(
            svg,
            r#"<rect x="160" y="{ry}" width="14" height="14" rx="2" fill="{c}"/><text x="182" y="{y}" class="label">{l}</text><text x="{vx}" y="{y}" class="value" text-anchor="end">{v}</text>"#,
            ry = y - 12.0,
            c = slice.colour,
            l = escape(slice.label),
            vx = WIDTH - 8.0,
            v = escape(&show(slice.value, threshold)),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup_and_attribute_breakouts() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("أمينة"), "أمينة");
    }

    #[test]
    fn suppressed_counts_show_their_threshold() {
        assert_eq!(show(Some(12), Some(5)), "12");
        assert_eq!(show(None, Some(5)), "x");
    }

    #[test]
    fn bar_labels_and_values_are_escaped_and_long_labels_shortened() {
        let rows = vec![BarRow {
            label: "<b>interest</b> with a very long name indeed".into(),
            values: vec![Some(3), None],
        }];
        let series = [Series { name: "Confirmed", colour: BLUE }, Series { name: "A&B", colour: GREEN }];
        let svg = bar_chart("c", "Chart \"x\"", &series, &rows, Some(4));
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(
            svg.contains("&lt;b&gt;interest&lt;/b&gt; with a very long name indeed"),
            "the full label in a title"
        );
        assert!(svg.contains("…"), "a shortened label: {svg}");
        assert!(svg.contains("A&amp;B") && svg.contains("Chart &quot;x&quot;"));
        assert!(svg.contains(">x</text>"), "a suppressed value: {svg}");
        assert_eq!(svg.matches("<rect").count(), 4, "two legend squares, two bars");
    }

    #[test]
    fn the_longest_bar_fills_the_bar_area() {
        let rows = vec![
            BarRow { label: "a".into(), values: vec![Some(10)] },
            BarRow { label: "b".into(), values: vec![Some(5)] },
        ];
        let svg = bar_chart("c", "t", &[Series { name: "n", colour: BLUE }], &rows, None);
        assert!(svg.contains(r#"width="204.0""#), "{svg}");
        assert!(svg.contains(r#"width="102.0""#), "{svg}");
    }

    #[test]
    fn an_empty_chart_says_so() {
        assert!(bar_chart("c", "t", &[], &[], None).contains("None"));
    }

    #[test]
    fn a_donut_draws_one_arc_per_non_empty_slice_and_totals_the_known_parts() {
        let slices = [
            Slice { label: "Online", value: Some(6), colour: BLUE },
            Slice { label: "Onsite", value: Some(0), colour: ORANGE },
        ];
        let svg = donut("d", "t", &slices, None);
        assert_eq!(svg.matches("stroke-dasharray").count(), 1);
        assert!(svg.contains(">6</text>"));
        let hidden = [Slice { label: "Online", value: None, colour: BLUE }];
        assert!(donut("d", "t", &hidden, Some(3)).contains(">x<"));
    }
}
