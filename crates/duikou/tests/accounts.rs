//! Accounts from a workbook (批量导入用户, issue 17): `duikou user import` and the
//! administrators' page create every account of a good workbook, all or none, and hand
//! out the initial passwords once, on a sheet; a bad row is named by sheet, row and
//! column. On SQLite and PostgreSQL.

mod common;
use common::{ApiClient, Backend, Resp, TestApp};
use serde_json::json;

const ADMIN: &str = "管理员";

async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_with_users(backend, &[(ADMIN, "admin", None)]).await
}

on_both_backends!(accounts_come_from_a_workbook_with_their_passwords);

fn expect(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
}

/// A workbook of accounts: `duikou user import` creates them all and writes their
/// initial passwords to a new owner-only sheet (never to the terminal); one bad row
/// refuses the file by sheet, row and column, exit 2, nothing created. The
/// administrators' page does the same, the sheet its download.
async fn accounts_come_from_a_workbook_with_their_passwords(app: &mut TestApp) {
    let dir = app.scratch_dir().to_path_buf();
    let book = |name: &str, rows: &[[&str; 4]]| {
        let path = dir.join(name);
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("用户").unwrap();
        for (c, h) in ["用户名", "角色", "单位", "电子邮件"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
                }
            }
        }
        wb.save(&path).unwrap();
        path
    };
    let admin = app.cookie_login(ADMIN).await;
    let listed = |html: &str, name: &str| html.contains(&format!("<td>{name}"));

    // One bad row among good ones: named, exit 2, nothing created, no sheet left.
    let bad = book(
        "坏.xlsx",
        &[
            ["企石镇填报", "reporter", "企石镇", ""],
            ["桥头镇填报", "reporter", "没有这个镇", ""],
            ["彝良县扶贫办", "受援县区", "黄江镇", ""],
        ],
    );
    let out = dir.join("初始密码.xlsx");
    let o = app.cli(&[
        "user",
        "import",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("坏.xlsx 工作表「用户」 第 3 行 C 列（单位）"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sheet 用户 row 3 column C (单位)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("第 4 行 C 列"),
        "a county role needs a county: {stderr}"
    );
    assert!(!out.exists(), "no sheet for a refused file");
    assert!(!listed(&admin.get("/admin/users").await.text, "企石镇填报"));

    // A good workbook: every account, and the sheet with their passwords.
    let good = book(
        "用户.xlsx",
        &[
            ["企石镇填报", "reporter", "企石镇", "qishi@example.cn"],
            ["彝良县扶贫办", "受援县区", "彝良县", ""],
            ["领导甲", "viewer", "", ""],
        ],
    );
    let o = app.cli(&[
        "user",
        "import",
        good.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the password sheet is the owner's only");
    }
    let sheet = duikou_app::tabular::read_table(&out, &["初始密码"], 1 << 20).unwrap();
    assert_eq!(sheet.headers, ["用户名", "角色", "单位", "初始密码"]);
    let accounts: Vec<(String, String)> = sheet
        .rows
        .iter()
        .filter(|r| !r.cells[3].is_empty())
        .map(|r| (r.cells[0].clone(), r.cells[3].clone()))
        .collect();
    assert_eq!(accounts.len(), 3, "{:?}", sheet.rows);
    for (name, password) in &accounts {
        assert!(
            !stdout.contains(password.as_str()),
            "no password on the terminal"
        );
        let r = app
            .anonymous()
            .post(
                "/api/v1/login",
                &json!({"username": name, "password": password}),
            )
            .await;
        expect(&r, 200);
        let mut c = app.anonymous();
        c.token = r.body["token"].as_str().map(str::to_string);
        let me = c.get("/api/v1/me").await;
        assert_eq!(me.body["must_change_password"], true, "{}", me.text);
    }
    let html = admin.get("/admin/users").await.text;
    assert!(listed(&html, "企石镇填报") && listed(&html, "彝良县扶贫办"));
    // The same file again: the names exist, nothing created, the sheet not overwritten.
    let again = dir.join("再次.xlsx");
    let o = app.cli(&[
        "user",
        "import",
        good.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("已存在"));
    assert!(!again.exists());
    let o = app.cli(&[
        "user",
        "import",
        good.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an existing sheet is never overwritten"
    );

    // The administrators' page: the same upload, the sheet downloaded at once.
    let upload = |name: &str, csv: &str| {
        let f = reqwest::multipart::Form::new()
            .text("csrf_token", admin.csrf.clone().unwrap())
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
                    .file_name(name.to_string()),
            );
        ApiClient::send(
            admin
                .request(reqwest::Method::POST, "/admin/users/import")
                .multipart(f),
        )
    };
    let r = upload(
        "用户.csv",
        "用户名,角色,单位\n谢岗镇填报,reporter,谢岗镇\n审计乙,auditor,\n审计乙,auditor,\n",
    )
    .await;
    expect(&r, 422);
    assert!(r.text.contains("第 4 行 A 列（用户名）"), "{}", r.text);
    assert!(r.text.contains("href=\"#users-file\""));
    assert!(!listed(&admin.get("/admin/users").await.text, "谢岗镇填报"));
    // Good: the answer is the sheet itself.
    let f = reqwest::multipart::Form::new()
        .text("csrf_token", admin.csrf.clone().unwrap())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"username,role,unit\n\xe8\xb0\xa2\xe5\xb2\x97\xe9\x95\x87\xe5\xa1\xab\xe6\x8a\xa5,reporter,\xe8\xb0\xa2\xe5\xb2\x97\xe9\x95\x87\n".to_vec())
                .file_name("users.csv"),
        );
    let res = admin
        .request(reqwest::Method::POST, "/admin/users/import")
        .multipart(f)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let header = |n: &str| {
        res.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert!(header("content-type").contains("spreadsheetml"));
    assert!(header("content-disposition").starts_with("attachment"));
    assert!(header("cache-control").contains("no-store"));
    let bytes = res.bytes().await.unwrap();
    let sheet =
        duikou_app::tabular::read_table_bytes("初始密码.xlsx", &bytes, &["初始密码"]).unwrap();
    assert_eq!(sheet.rows[0].cells[0], "谢岗镇填报");
    assert_eq!(sheet.rows[0].cells[2], "谢岗镇");
    let r = app
        .anonymous()
        .post(
            "/api/v1/login",
            &json!({"username": "谢岗镇填报", "password": sheet.rows[0].cells[3]}),
        )
        .await;
    expect(&r, 200);
    assert!(listed(&admin.get("/admin/users").await.text, "谢岗镇填报"));
}
