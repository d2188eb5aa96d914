//! Accounts from a workbook (批量导入用户): one row per account — 用户名, 角色, 单位 (and
//! optionally 电子邮件) — checked whole against the plans, then created all together
//! with generated initial passwords, handed back once as a password sheet (初始密码.xlsx).
//! The command line (`duikou user import`) and the administration page share it.
//!
//! Nothing is written unless every row is good; a bad row is named by file, sheet, row
//! and column. Initial passwords exist in plain text only in the answer: hashed in the
//! database, never logged, never kept.

use std::collections::HashMap;

use duikou_domain::plan::Plan;
use duikou_domain::roles::Role;
use duikou_storage::Store;
use duikou_storage::users::NewUser;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::{AppError, AppResult};
use crate::importer::column_letter;
use crate::tabular::{Table, read_table_bytes};

/// The sheets read, in order of preference (else the first sheet).
pub const SHEETS: [&str; 2] = ["用户", "users"];

/// The most accounts one workbook creates (each costs a password hash).
pub const MAX_ACCOUNTS: usize = 2_000;

/// The most problems listed; the rest are counted.
const MAX_LISTED: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Username,
    Role,
    Unit,
    Email,
}

const COLUMNS: [(Col, &str, &str); 4] = [
    (Col::Username, "用户名", "username"),
    (Col::Role, "角色", "role"),
    (Col::Unit, "单位", "unit"),
    (Col::Email, "电子邮件", "email"),
];

fn col_of(header: &str) -> Option<Col> {
    let h = header.trim();
    COLUMNS
        .iter()
        .find(|(_, zh, en)| h == *zh || h.eq_ignore_ascii_case(en))
        .map(|(c, _, _)| *c)
}

/// One problem of the workbook, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProblem {
    pub file: String,
    pub sheet: Option<String>,
    /// Spreadsheet row number (1 = the header row); 0 for the file as a whole.
    pub row: usize,
    /// Column letter and header, e.g. "C 单位"; empty for a whole row or file.
    pub column: String,
    pub value: String,
    pub zh: String,
    pub en: String,
}

impl UserProblem {
    /// Where, in Chinese: `用户.xlsx 工作表「用户」第 3 行 C 列（单位）`.
    pub fn place_zh(&self) -> String {
        let mut s = self.file.clone();
        if let Some(sheet) = &self.sheet {
            s.push_str(&format!(" 工作表「{sheet}」"));
        }
        if self.row > 0 {
            s.push_str(&format!(" 第 {} 行", self.row));
        }
        if let Some((letter, header)) = self.column.split_once(' ') {
            s.push_str(&format!(" {letter} 列（{header}）"));
        }
        s
    }

    /// Where, in English: `用户.xlsx sheet 用户 row 3 column C (单位)`.
    pub fn place_en(&self) -> String {
        let mut s = self.file.clone();
        if let Some(sheet) = &self.sheet {
            s.push_str(&format!(" sheet {sheet}"));
        }
        if self.row > 0 {
            s.push_str(&format!(" row {}", self.row));
        }
        if let Some((letter, header)) = self.column.split_once(' ') {
            s.push_str(&format!(" column {letter} ({header})"));
        }
        s
    }
}

impl std::fmt::Display for UserProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.value.is_empty() {
            String::new()
        } else {
            format!("「{}」", self.value)
        };
        write!(
            f,
            "{}{value}：{} / {}{value}: {}",
            self.place_zh(),
            self.zh,
            self.place_en(),
            self.en
        )
    }
}

/// Why nothing was created: every problem found (the first [`MAX_LISTED`] listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserImportRefused {
    pub problems: Vec<UserProblem>,
    pub total: usize,
}

impl UserImportRefused {
    fn add(&mut self, p: UserProblem) {
        self.total += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(p);
        }
    }
}

impl From<UserImportRefused> for AppError {
    fn from(r: UserImportRefused) -> Self {
        let mut zh = format!("发现 {} 处问题，未创建任何用户：", r.total);
        let mut en = format!("{} problems found; no user was created:", r.total);
        for p in &r.problems {
            let value = if p.value.is_empty() {
                String::new()
            } else {
                format!("「{}」", p.value)
            };
            zh.push_str(&format!("\n{}{value}：{}", p.place_zh(), p.zh));
            en.push_str(&format!("\n{}{value}: {}", p.place_en(), p.en));
        }
        if r.total > r.problems.len() {
            zh.push_str(&format!("\n（仅列出前 {} 处）", r.problems.len()));
            en.push_str(&format!("\n(the first {} listed)", r.problems.len()));
        }
        AppError::input(zh, en)
    }
}

/// An account created, with the initial password to hand over (once).
#[derive(Debug, Clone)]
pub struct CreatedAccount {
    pub username: String,
    pub role: Role,
    pub unit: Option<String>,
    pub password: String,
}

/// An account of the workbook, checked.
#[derive(Debug, Clone)]
struct Wanted {
    username: String,
    role: Role,
    unit: Option<String>,
    email: Option<String>,
}

/// The plans units are checked against: the one in use first, then the others the
/// database holds (accounts are the database's, not one plan's).
pub async fn plans_for_accounts(store: &Store, current: &Plan) -> AppResult<Vec<Plan>> {
    let mut out = vec![current.clone()];
    let reader = store.detached();
    for p in store.plans().await? {
        if p.id != current.meta.id
            && let Some(plan) = reader.plan_by_id(&p.id).await?
        {
            out.push(plan);
        }
    }
    Ok(out)
}

/// Check the workbook and, if every row is good, create its accounts in one
/// transaction (audited as `user.create`, by `actor`).
pub async fn import_users(
    store: &Store,
    plans: &[Plan],
    file_name: &str,
    bytes: &[u8],
    actor: &str,
) -> AppResult<Vec<CreatedAccount>> {
    let table =
        read_table_bytes(file_name, bytes, &SHEETS).map_err(|e| AppError::input(e.zh(), e.en()))?;
    let wanted = check_table(&table, plans)?;
    let names: Vec<&str> = wanted.iter().map(|w| w.username.as_str()).collect();
    let mut taken = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if store.user_by_name(name).await?.is_some() {
            taken.push((i, name.to_string()));
        }
    }
    if !taken.is_empty() {
        return Err(taken_refusal(
            &table,
            &wanted,
            &taken.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>(),
        )
        .into());
    }
    let passwords: Vec<String> = wanted
        .iter()
        .map(|_| duikou_storage::users::generate_password())
        .collect();
    let new: Vec<NewUser<'_>> = wanted
        .iter()
        .zip(&passwords)
        .map(|(w, p)| NewUser {
            username: &w.username,
            role: w.role,
            unit: w.unit.as_deref(),
            password: p,
            email: w.email.as_deref(),
        })
        .collect();
    match store.create_users(&new, actor).await? {
        Ok(_) => Ok(wanted
            .into_iter()
            .zip(passwords)
            .map(|(w, password)| CreatedAccount {
                username: w.username,
                role: w.role,
                unit: w.unit,
                password,
            })
            .collect()),
        // Taken between the check and the transaction: refused the same way.
        Err(names) => Err(taken_refusal(&table, &wanted, &names).into()),
    }
}

/// Usernames that exist already, named on their rows.
fn taken_refusal(table: &Table, wanted: &[Wanted], names: &[String]) -> UserImportRefused {
    let col = table
        .headers
        .iter()
        .position(|h| col_of(h) == Some(Col::Username))
        .unwrap_or(0);
    let problems: Vec<UserProblem> = wanted
        .iter()
        .zip(&table.rows)
        .filter(|(w, _)| names.contains(&w.username))
        .map(|(w, row)| UserProblem {
            file: table.file_name.clone(),
            sheet: table.sheet.clone(),
            row: row.number,
            column: format!("{} {}", column_letter(col), table.headers[col]),
            value: w.username.clone(),
            zh: format!("用户「{}」已存在", w.username),
            en: format!("user \"{}\" already exists", w.username),
        })
        .collect();
    UserImportRefused {
        total: problems.len(),
        problems,
    }
}

/// Every row checked: headers known, a username (1–64 characters, once in the file),
/// a role, a unit where the role needs one and the plans hold it, an e-mail address
/// that looks like one.
fn check_table(table: &Table, plans: &[Plan]) -> Result<Vec<Wanted>, UserImportRefused> {
    let mut found = UserImportRefused {
        problems: Vec::new(),
        total: 0,
    };
    let at = |row: usize, column: String, value: &str, zh: String, en: String| UserProblem {
        file: table.file_name.clone(),
        sheet: table.sheet.clone(),
        row,
        column,
        value: value.to_string(),
        zh,
        en,
    };
    let header_row = table
        .rows
        .first()
        .map_or(2, |r| r.number)
        .saturating_sub(1)
        .max(1);
    let mut cols: HashMap<Col, usize> = HashMap::new();
    for (i, h) in table.headers.iter().enumerate() {
        let column = format!("{} {h}", column_letter(i));
        match col_of(h) {
            Some(c) if cols.contains_key(&c) => found.add(at(
                header_row,
                column,
                "",
                format!("列「{h}」重复"),
                format!("the column \"{h}\" appears twice"),
            )),
            Some(c) => {
                cols.insert(c, i);
            }
            None if h.trim().is_empty() => {}
            None => found.add(at(
                header_row,
                column,
                "",
                format!("未知的列「{h}」；可用的列：用户名、角色、单位、电子邮件"),
                format!("unknown column \"{h}\"; the columns are 用户名 (username), 角色 (role), 单位 (unit), 电子邮件 (email)"),
            )),
        }
    }
    for (c, zh, en) in COLUMNS {
        if matches!(c, Col::Username | Col::Role) && !cols.contains_key(&c) {
            found.add(at(
                header_row,
                String::new(),
                "",
                format!("缺少「{zh}」列"),
                format!("the column {zh} ({en}) is missing"),
            ));
        }
    }
    if table.rows.is_empty() {
        found.add(at(
            header_row + 1,
            String::new(),
            "",
            "没有要创建的用户".into(),
            "there is no account to create".into(),
        ));
    }
    if table.rows.len() > MAX_ACCOUNTS {
        found.add(at(
            0,
            String::new(),
            "",
            format!(
                "一次最多导入 {MAX_ACCOUNTS} 个用户（文件中有 {} 行）",
                table.rows.len()
            ),
            format!(
                "at most {MAX_ACCOUNTS} accounts at once (the file has {} rows)",
                table.rows.len()
            ),
        ));
    }
    if found.total > 0 {
        return Err(found);
    }
    let cell = |row: &crate::tabular::Row, c: Col| -> (String, String) {
        match cols.get(&c) {
            Some(&i) => (
                row.cells.get(i).cloned().unwrap_or_default(),
                format!("{} {}", column_letter(i), table.headers[i]),
            ),
            None => (String::new(), String::new()),
        }
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut ok = true;
        let (name, name_col) = cell(row, Col::Username);
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            ok = false;
            found.add(at(
                row.number,
                name_col.clone(),
                &name,
                "用户名应为 1–64 个字符".into(),
                "the username must be 1–64 characters".into(),
            ));
        } else if let Some(first) = seen.get(&name) {
            ok = false;
            found.add(at(
                row.number,
                name_col.clone(),
                &name,
                format!("用户名与第 {first} 行重复"),
                format!("the same username as row {first}"),
            ));
        } else {
            seen.insert(name.clone(), row.number);
        }
        let (role_text, role_col) = cell(row, Col::Role);
        let role = Role::from_key(&role_text);
        if role.is_none() {
            ok = false;
            let all = Role::ALL
                .iter()
                .map(|r| format!("{}（{}）", r.label_zh(), r.key()))
                .collect::<Vec<_>>()
                .join("、");
            found.add(at(
                row.number,
                role_col,
                &role_text,
                format!("未知角色；可选：{all}"),
                format!(
                    "unknown role; one of: {}",
                    Role::ALL
                        .iter()
                        .map(|r| r.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let (unit_text, unit_col) = cell(row, Col::Unit);
        let unit = unit_text.trim();
        let mut unit_name = None;
        if let Some(role) = role {
            let checked = if unit.is_empty() {
                crate::accounts::check_role_unit(&plans[0], role.key(), None)
            } else {
                // The first plan that knows the unit decides (a receiver's must be a county there).
                let plan = plans
                    .iter()
                    .find(|p| p.resolve_unit(unit).is_some())
                    .unwrap_or(&plans[0]);
                crate::accounts::check_role_unit(plan, role.key(), Some(unit))
            };
            match checked {
                Ok((_, u)) => unit_name = u,
                Err(e) => {
                    ok = false;
                    let m = e.message();
                    let column = if unit_col.is_empty() {
                        String::new()
                    } else {
                        unit_col.clone()
                    };
                    found.add(at(row.number, column, unit, m.zh.clone(), m.en.clone()));
                }
            }
        }
        let (email_text, email_col) = cell(row, Col::Email);
        let email = match crate::accounts::check_email(Some(&email_text)) {
            Ok(e) => e,
            Err(e) => {
                ok = false;
                let m = e.message();
                found.add(at(
                    row.number,
                    email_col,
                    &email_text,
                    m.zh.clone(),
                    m.en.clone(),
                ));
                None
            }
        };
        if ok && let Some(role) = role {
            out.push(Wanted {
                username: name,
                role,
                unit: unit_name,
                email,
            });
        }
    }
    if found.total > 0 {
        return Err(found);
    }
    Ok(out)
}

/// The password sheet (初始密码.xlsx): one row per account created, the initial password
/// in its own column, to hand over in person or through a safe channel.
pub fn password_sheet(accounts: &[CreatedAccount]) -> AppResult<Vec<u8>> {
    password_book(accounts).map_err(|e| {
        tracing::error!(error = %e, "password sheet");
        AppError::internal()
    })
}

fn password_book(accounts: &[CreatedAccount]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("初始密码")?;
    for (c, h) in ["用户名", "角色", "单位", "初始密码"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (c, w) in [18.0, 14.0, 22.0, 22.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for (i, a) in accounts.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &a.username)?;
        ws.write_string(r, 1, a.role.label_zh())?;
        ws.write_string(r, 2, a.unit.as_deref().unwrap_or(""))?;
        ws.write_string(r, 3, &a.password)?;
    }
    let note = accounts.len() as u32 + 2;
    ws.write_string(
        note,
        0,
        "初始密码只在此表中出现一次：请当面或通过安全渠道交给本人，首次登录须修改；交付后请删除此文件。",
    )?;
    ws.write_string(
        note + 1,
        0,
        "Each initial password appears only here: hand it over in person or through a safe channel; it must be changed at first sign-in. Delete this file once handed over.",
    )?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::Row;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            file_name: "用户.xlsx".into(),
            sheet: Some("用户".into()),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Row {
                    number: i + 2,
                    cells: r.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
        }
    }

    fn plan() -> Plan {
        Plan::bundled()
    }

    #[test]
    fn good_rows_become_accounts() {
        let t = table(
            &["用户名", "角色", "单位"],
            &[
                &["清溪镇填报", "reporter", "清溪镇"],
                &["镇雄县", "受援县区", "镇雄县"],
                &["领导", "viewer", ""],
            ],
        );
        let w = check_table(&t, &[plan()]).unwrap();
        assert_eq!(w.len(), 3);
        assert_eq!(w[1].role, Role::Receiver);
        assert_eq!(w[1].unit.as_deref(), Some("镇雄县"));
        assert_eq!(w[2].unit, None);
    }

    #[test]
    fn each_bad_row_is_named_by_sheet_row_and_column() {
        let t = table(
            &["用户名", "角色", "单位"],
            &[
                &["a", "reporter", "清溪镇"],
                &["b", "receiver", "清溪镇"],
                &["a", "viewer", ""],
                &["c", "boss", ""],
                &["d", "reporter", "没有这个单位"],
            ],
        );
        let e = check_table(&t, &[plan()]).unwrap_err();
        let places: Vec<String> = e.problems.iter().map(UserProblem::place_zh).collect();
        assert_eq!(
            places,
            [
                "用户.xlsx 工作表「用户」 第 3 行 C 列（单位）",
                "用户.xlsx 工作表「用户」 第 4 行 A 列（用户名）",
                "用户.xlsx 工作表「用户」 第 5 行 B 列（角色）",
                "用户.xlsx 工作表「用户」 第 6 行 C 列（单位）",
            ]
        );
        assert!(e.problems[0].zh.contains("县区"), "{:?}", e.problems[0]);
        let text = AppError::from(e).to_string();
        assert!(text.contains("row 6 column C (单位)"), "{text}");
    }

    #[test]
    fn unknown_and_missing_columns_are_named() {
        let t = table(&["用户名", "部门"], &[&["a", "x"]]);
        let e = check_table(&t, &[plan()]).unwrap_err();
        assert!(e.problems.iter().any(|p| p.column == "B 部门"));
        assert!(e.problems.iter().any(|p| p.zh.contains("缺少「角色」列")));
    }

    #[test]
    fn the_password_sheet_lists_each_account_once() {
        let book = password_sheet(&[CreatedAccount {
            username: "a".into(),
            role: Role::Reporter,
            unit: Some("清溪镇".into()),
            password: "Secret-Pass-123".into(),
        }])
        .unwrap();
        let t = read_table_bytes("初始密码.xlsx", &book, &["初始密码"]).unwrap();
        assert_eq!(t.headers, ["用户名", "角色", "单位", "初始密码"]);
        assert_eq!(
            t.rows[0].cells,
            ["a", "填报单位", "清溪镇", "Secret-Pass-123"]
        );
    }
}
