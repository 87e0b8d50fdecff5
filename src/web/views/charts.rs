//! Server-rendered SVG charts (SPEC §12): no script, `role="img"` with a `<title>`, marks that
//! differ by shape as well as tone so that they read in greyscale and in print. Every chart
//! sits beside a table with the same figures.

use maud::{html, Markup};

/// How a figure is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The KAM's own level: an open square.
    SelfLevel,
    /// The supervisor's level: a filled diamond.
    Supervisor,
    /// A group's mean: a filled grey circle.
    Group,
    /// All other raters together: an open circle.
    Others,
    /// The proposed level: an open triangle.
    Proposed,
    /// The final level: a filled square.
    Final,
}

/// One row of a chart: its label and its value on the 1–4 scale.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub value: f64,
    pub mark: Mark,
}

const LABEL_END: f64 = 124.0;
const PLOT_START: f64 = 136.0;
const PLOT_WIDTH: f64 = 196.0;
const ROW: f64 = 20.0;
const TOP: f64 = 26.0;

fn x(value: f64) -> f64 {
    PLOT_START + (value.clamp(1.0, 4.0) - 1.0) / 3.0 * PLOT_WIDTH
}

fn mark(m: Mark, cx: f64, cy: f64) -> Markup {
    let (l, r, t, b) = (cx - 5.0, cx + 5.0, cy - 5.0, cy + 5.0);
    html! {
        @match m {
            Mark::SelfLevel => rect.mark x=(l) y=(t) width="10" height="10" fill="#fff" stroke="#1b1f24" stroke-width="2" {},
            Mark::Supervisor => polygon.mark points={ (cx) "," (t - 1.0) " " (r + 1.0) "," (cy) " " (cx) "," (b + 1.0) " " (l - 1.0) "," (cy) } fill="#1b1f24" {},
            Mark::Group => circle.mark cx=(cx) cy=(cy) r="5" fill="#52606d" {},
            Mark::Others => circle.mark cx=(cx) cy=(cy) r="6" fill="#fff" stroke="#1b1f24" stroke-width="2" {},
            Mark::Proposed => polygon.mark points={ (cx) "," (t - 1.0) " " (r + 1.0) "," (b) " " (l - 1.0) "," (b) } fill="#fff" stroke="#1b1f24" stroke-width="2" {},
            Mark::Final => rect.mark x=(l) y=(t) width="10" height="10" fill="#1b1f24" {},
        }
    }
}

/// A dot chart of `rows` on the 1–4 scale, labelled `title` (also its accessible name).
pub fn levels(id: &str, title: &str, rows: &[Row]) -> Markup {
    let height = TOP + ROW * rows.len() as f64 + 4.0;
    let title_id = format!("chart-{id}");
    html! {
        svg.chart role="img" aria-labelledby=(title_id) viewBox={ "0 0 340 " (height) } width="340" height=(height) xmlns="http://www.w3.org/2000/svg" {
            title id=(title_id) { (title) }
            @for level in 1..=4u8 {
                @let lx = x(f64::from(level));
                line x1=(lx) y1=(TOP - 8.0) x2=(lx) y2=(height - 2.0) stroke="#c9d1d9" stroke-width="1" {}
                text x=(lx) y="12" font-size="11" text-anchor="middle" fill="#4a5560" { (level) }
            }
            @for (i, row) in rows.iter().enumerate() {
                @let cy = TOP + ROW * i as f64 + ROW / 2.0 - 4.0;
                text x=(LABEL_END) y=(cy + 4.0) font-size="11" text-anchor="end" fill="#1b1f24" { (row.label) }
                line x1=(PLOT_START) y1=(cy) x2=(PLOT_START + PLOT_WIDTH) y2=(cy) stroke="#e4e8ec" stroke-width="1" {}
                (mark(row.mark, x(row.value), cy))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_image_with_a_title_and_escapes_its_text() {
        let svg = levels(
            "c1",
            "Knowledge <of> products",
            &[
                Row {
                    label: "Self".into(),
                    value: 1.0,
                    mark: Mark::SelfLevel,
                },
                Row {
                    label: "Customers (n = 4)".into(),
                    value: 4.0,
                    mark: Mark::Group,
                },
            ],
        )
        .into_string();
        assert!(svg.starts_with("<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-c1\""));
        assert!(svg.contains("<title id=\"chart-c1\">Knowledge &lt;of&gt; products</title>"));
        // 1 at the left end of the plot, 4 at the right
        assert!(svg.contains("x=\"131\" y=\"27\" width=\"10\""), "{svg}");
        assert!(svg.contains("cx=\"332\""), "{svg}");
        assert!(!svg.contains("<script"));
    }
}
