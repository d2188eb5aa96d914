//! `cargo run -p duikou-draft --example draft_file -- FILE`: prints the draft plan and its report.
fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let bytes = std::fs::read(&path).expect("readable");
    let text = duikou_draft::read_document(&bytes, &path).unwrap_or_else(|e| panic!("{e}"));
    let d = duikou_draft::draft(&text).unwrap_or_else(|e| panic!("{e}"));
    println!("{}", d.toml);
    for r in &d.report {
        println!("{} {}", if r.found { "✓" } else { "?" }, r.zh);
    }
    println!("notes: {}", d.notes.len());
}
