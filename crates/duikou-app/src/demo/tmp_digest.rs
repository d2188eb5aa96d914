#[test]
fn tmp_write_digest() {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let plan = duikou_domain::plan::Plan::bundled();
    let source =
        duikou_domain::plan_scale::scale_plan_toml(duikou_domain::plan::BUNDLED_PLAN, 2).unwrap();
    let plan2 = duikou_domain::plan::Plan::from_toml(&source, "x2.toml").unwrap();
    for (p, scale, seed) in [(&plan, 1, 20_180_925u64), (&plan, 3, 7), (&plan2, 2, 1)] {
        for g in super::generate(p, scale, seed) {
            h.update(g.kind.key().as_bytes());
            for r in &g.rows {
                for (k, v) in r {
                    h.update(format!("{k}\u{1}{}\u{1}{}\u{2}", v.text, v.in_wan).as_bytes());
                }
                h.update([3]);
            }
        }
    }
    std::fs::write("/tmp/demo_digest.txt", hex::encode(h.finalize())).unwrap();
}
