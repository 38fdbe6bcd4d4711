//! The participant card as a printable page: A6, one card per page, in the person's language
//! (right to left for Arabic), with the short code large enough to read out.

use crate::views::messages::Card;
use crate::views::report_svg::escape;

pub fn html(card: &Card) -> String {
    let direction = if card.right_to_left { "rtl" } else { "ltr" };
    let (first, rest) =
        card.lines.split_first().map_or(("", &[][..]), |(first, rest)| (first.as_str(), rest));
    let (code, middle) = rest.split_last().map_or(("", &[][..]), |(code, middle)| (code.as_str(), middle));
    let middle: String = middle.iter().map(|line| format!("<p>{}</p>\n", escape(line))).collect();
    format!(
        r#"<!doctype html>
<html lang="{language}" dir="{direction}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title>
<style>
@page {{ size: A6; margin: 8mm; }}
body {{ font-family: system-ui, sans-serif; font-size: 12pt; line-height: 1.4; margin: 0; color: #000; }}
main {{ max-width: 89mm; margin: 0 auto; }}
h1 {{ font-size: 13pt; margin: 0 0 3mm; }}
p {{ margin: 0 0 2.5mm; }}
.what {{ font-weight: bold; }}
.code {{ font-family: ui-monospace, monospace; font-size: 20pt; letter-spacing: 0.15em; border: 1px solid #000;
         padding: 2mm; text-align: center; }}
</style>
</head>
<body>
<main>
<h1>{heading}</h1>
<p class="what">{first}</p>
{middle}<p class="code">{code}</p>
</main>
</body>
</html>
"#,
        language = card.language,
        heading = escape(&card.heading),
        first = escape(first),
        code = escape(code),
    )
}
