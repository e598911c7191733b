//! What a text field of a command may hold: its limits, and the characters it may not contain.
//!
//! Every string a command carries ends up in the log, which can never be edited; so it is checked
//! here, once, before any event is decided:
//! - **Length**: every field has a maximum, counted in characters (Unicode scalar values), so
//!   one request cannot store megabytes forever.
//! - **Characters**: control characters are refused everywhere (a NUL byte cannot even be stored
//!   by PostgreSQL, so a SQLite log holding one could never be replayed into it), except newline
//!   and tab in long texts. Surrounding whitespace is trimmed.
//! - **Required means visible**: a required field must hold at least one visible character;
//!   whitespace and invisible format characters (zero-width spaces, joiners, byte-order marks,
//!   direction marks, variation selectors, tags…) alone do not count.
//!
//! The limits are part of the API's contract and documented in `docs/errors.md`.

use crate::error::DomainError;

/// The limits of every kind of text field, in characters.
pub mod limits {
    /// Names and titles: organizations, workshops, sessions, agenda items, contributions,
    /// proposals, documents, guideline sections.
    pub const TITLE: usize = 200;
    /// Other one-line texts: themes, territories, programmes, locations, and references to
    /// documents and mandates (a URL, an archive or protocol number).
    pub const LINE: usize = 1_000;
    /// Reasons, notes, rationales, declarations of interest, guideline feedback.
    pub const NOTE: usize = 4_000;
    /// Long texts: contribution bodies, proposal texts, guideline summaries and changes.
    pub const TEXT: usize = 20_000;
    /// The minutes of a session.
    pub const MINUTES: usize = 100_000;
    /// The most agenda items one session may have.
    pub const AGENDA_ITEMS: usize = 50;
    /// The most contributions one proposal may cite.
    pub const CITES: usize = 100;
}

/// Whether `c` is invisible on its own: a default-ignorable or blank format character that
/// renders as nothing (so a field made only of these looks empty to every reader).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether `c` shows something: neither whitespace, nor a control character, nor invisible.
pub fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !is_invisible(c)
}

/// Whether a text may contain line breaks and tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One line: no control character at all.
    Line,
    /// Several lines: newline and tab allowed, no other control character.
    Multiline,
}

fn check(field: &'static str, value: String, max: usize, shape: Shape, required: bool) -> Result<String, DomainError> {
    let allowed_control = |c: char| shape == Shape::Multiline && (c == '\n' || c == '\t');
    if value.chars().any(|c| c.is_control() && !allowed_control(c)) {
        return Err(DomainError::InvalidCharacters { field });
    }
    let trimmed = value.trim();
    if required && !trimmed.chars().any(is_visible) {
        return Err(DomainError::FieldRequired { field });
    }
    // Counting stops at the first character past the limit, so a huge value costs no more.
    if trimmed.chars().nth(max).is_some() {
        return Err(DomainError::TextTooLong { field, max });
    }
    Ok(if trimmed.len() == value.len() { value } else { trimmed.to_owned() })
}

/// A required one-line text (a name, a title, a reference) of at most `max` characters, trimmed.
pub fn line(field: &'static str, value: String, max: usize) -> Result<String, DomainError> {
    check(field, value, max, Shape::Line, true)
}

/// A required text that may span lines, of at most `max` characters, trimmed.
pub fn text(field: &'static str, value: String, max: usize) -> Result<String, DomainError> {
    check(field, value, max, Shape::Multiline, true)
}

/// An optional text that may span lines (empty is fine), of at most `max` characters, trimmed.
pub fn optional_text(field: &'static str, value: String, max: usize) -> Result<String, DomainError> {
    check(field, value, max, Shape::Multiline, false)
}

/// Refuses a list longer than `max` items.
pub fn at_most<T>(field: &'static str, items: &[T], max: usize) -> Result<(), DomainError> {
    if items.len() > max { Err(DomainError::TooManyItems { field, max }) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_newlines_and_tabs_are_fine_in_long_texts() {
        assert_eq!(line("title", "a\u{0}b".into(), 10), Err(DomainError::InvalidCharacters { field: "title" }));
        assert_eq!(line("title", "a\nb".into(), 10), Err(DomainError::InvalidCharacters { field: "title" }));
        assert_eq!(line("title", "a\u{85}b".into(), 10), Err(DomainError::InvalidCharacters { field: "title" }));
        assert_eq!(text("body", "a\n\tb".into(), 10), Ok("a\n\tb".to_owned()));
        assert_eq!(text("body", "a\r\nb".into(), 10), Err(DomainError::InvalidCharacters { field: "body" }));
        assert_eq!(text("body", "a\u{7f}".into(), 10), Err(DomainError::InvalidCharacters { field: "body" }));
    }

    #[test]
    fn invisible_characters_alone_do_not_satisfy_a_required_field() {
        for blank in ["", "   ", "\u{200B}\u{200B}", "\u{FEFF}", " \u{2060} \u{00AD} ", "\u{E0041}", "\u{2800}", "\n\t"] {
            assert_eq!(text("body", blank.into(), 100), Err(DomainError::FieldRequired { field: "body" }), "{blank:?}");
        }
        assert_eq!(line("title", "\u{200B}x\u{200B}".into(), 100), Ok("\u{200B}x\u{200B}".to_owned()));
        assert_eq!(optional_text("note", "  ".into(), 100), Ok(String::new()));
    }

    #[test]
    fn lengths_are_counted_in_characters_after_trimming() {
        assert_eq!(line("title", "àèìòù".into(), 5), Ok("àèìòù".to_owned()));
        assert_eq!(line("title", "àèìòùx".into(), 5), Err(DomainError::TextTooLong { field: "title", max: 5 }));
        assert_eq!(line("title", "  abc  ".into(), 3), Ok("abc".to_owned()));
    }

    #[test]
    fn lists_have_a_maximum() {
        assert_eq!(at_most("cites", &[1, 2, 3], 3), Ok(()));
        assert_eq!(at_most("cites", &[1, 2, 3], 2), Err(DomainError::TooManyItems { field: "cites", max: 2 }));
    }
}
