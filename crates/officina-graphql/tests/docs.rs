//! The reasons table of `docs/errors.md` is generated from the code: every domain refusal and
//! every API reason, with its code. Regenerate it with
//! `OFFICINA_UPDATE_DOCS=1 cargo test -p officina-graphql --test docs`.

use std::path::PathBuf;

const BEGIN: &str = "<!-- reasons:begin -->\n";
const END: &str = "<!-- reasons:end -->";

#[test]
fn the_reasons_table_in_docs_errors_md_matches_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors.md");
    let text = std::fs::read_to_string(&path).expect("docs/errors.md");
    let (start, end) = match (text.find(BEGIN), text.find(END)) {
        (Some(start), Some(end)) if start < end => (start + BEGIN.len(), end),
        _ => panic!("docs/errors.md lacks the reasons markers"),
    };
    let generated = officina_graphql::reasons::reasons_markdown();
    if std::env::var_os("OFFICINA_UPDATE_DOCS").is_some() {
        let updated = format!("{}{generated}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).expect("write docs/errors.md");
        return;
    }
    assert!(
        text[start..end] == generated,
        "the reasons table of docs/errors.md differs from the code; run \
         `OFFICINA_UPDATE_DOCS=1 cargo test -p officina-graphql --test docs` and commit the result"
    );
}
