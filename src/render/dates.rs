//! Dates written the way a language writes them.
//!
//! Takes a date and a language tag; gives text such as `November 3, 2026`,
//! `2026年11月3日`, `3 de noviembre de 2026` or `3 نوفمبر 2026`. Languages without a
//! table get ISO 8601, which every reader can parse.

use chrono::{Datelike, NaiveDate};

const EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const PT: [&str; 12] = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];
const DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const AR: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

/// Formats `d` for `lang` (a BCP 47 tag; only the primary subtag matters).
pub(crate) fn format_date(d: NaiveDate, lang: &str) -> String {
    let primary = lang.split('-').next().unwrap_or("").to_ascii_lowercase();
    let (y, m, day) = (d.year(), d.month0() as usize, d.day());
    match primary.as_str() {
        "en" => format!("{} {day}, {y}", EN[m]),
        "es" => format!("{day} de {} de {y}", ES[m]),
        "pt" => format!("{day} de {} de {y}", PT[m]),
        "fr" => format!("{day} {} {y}", FR[m]),
        "de" => format!("{day}. {} {y}", DE[m]),
        "ar" => format!("{day} {} {y}", AR[m]),
        "zh" | "ja" => format!("{y}年{}月{day}日", m + 1),
        "ko" => format!("{y}년 {}월 {day}일", m + 1),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_language() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        assert_eq!(format_date(d, "en"), "November 3, 2026");
        assert_eq!(format_date(d, "zh-Hans"), "2026年11月3日");
        assert_eq!(format_date(d, "es"), "3 de noviembre de 2026");
        assert_eq!(format_date(d, "ca"), "2026-11-03");
    }
}
