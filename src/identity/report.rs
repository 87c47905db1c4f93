//! Plain-text views of the matrix, findings and create reports, for headless output and for
//! compact cells. No terminal styling here.

use std::fmt::Write as _;

use super::api::System;
use super::cells::{Cell, CellVerdict, MatrixRow};
use super::create::{CreateReport, StepStatus};
use super::findings::PolicyFinding;
use super::matrix::Matrix;

/// One system's cells folded into a short phrase: "ok", "missing", "restricted no≠yes", ….
pub fn fold(named: &[(&str, &Cell)]) -> (String, CellVerdict) {
    let Some((_, exists)) = named.first() else {
        return (String::new(), CellVerdict::Info);
    };
    match &exists.verdict {
        CellVerdict::Unreachable => return ("unreachable".into(), CellVerdict::Unreachable),
        CellVerdict::Missing => return ("missing".into(), CellVerdict::Missing),
        CellVerdict::Pending => return (exists.value.clone(), CellVerdict::Pending),
        CellVerdict::Info if exists.value == "—" => return ("—".into(), CellVerdict::Info),
        _ => {}
    }
    let diffs: Vec<String> = named
        .iter()
        .filter_map(|(name, c)| match &c.verdict {
            CellVerdict::Different { expected } => Some(format!("{name} {}≠{expected}", c.value)),
            _ => None,
        })
        .collect();
    if !diffs.is_empty() {
        return (
            diffs.join(", "),
            CellVerdict::Different {
                expected: String::new(),
            },
        );
    }
    if named.iter().any(|(_, c)| c.verdict == CellVerdict::Ok) {
        ("ok".into(), CellVerdict::Ok)
    } else {
        ("present".into(), CellVerdict::Info)
    }
}

pub fn authentik_summary(row: &MatrixRow) -> (String, CellVerdict) {
    let a = &row.authentik;
    fold(&[("exists", &a.exists), ("active", &a.active)])
}

pub fn gitea_summary(row: &MatrixRow) -> (String, CellVerdict) {
    let g = &row.gitea;
    fold(&[
        ("exists", &g.exists),
        ("admin", &g.admin),
        ("restricted", &g.restricted),
        ("org", &g.can_create_org),
        ("account", &g.account),
    ])
}

pub fn coder_summary(row: &MatrixRow) -> (String, CellVerdict) {
    let c = &row.coder;
    fold(&[
        ("exists", &c.exists),
        ("login", &c.login_type),
        ("roles", &c.roles),
        ("status", &c.status),
    ])
}

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        format!("{s} ")
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// The matrix as text: systems, one line per person, then the findings.
pub fn matrix_text(m: &Matrix, origins: &[(System, String, String)]) -> String {
    let mut out = String::from("=== Users across Authentik, Gitea and Coder ===\n");
    for s in &m.systems {
        let (url, source) = origins
            .iter()
            .find(|(sys, _, _)| *sys == s.system)
            .map_or(("", ""), |(_, u, src)| (u.as_str(), src.as_str()));
        let state = match &s.reason {
            None => format!("{} users", s.users),
            Some(r) => r.clone(),
        };
        let _ = writeln!(
            out,
            "{} {}  {state}  ({url}; credential: {source})",
            if s.reachable { "✓" } else { "✗" },
            pad(s.system.name(), 9),
        );
    }
    let mut table = vec![vec![
        "USER".to_owned(),
        "ROLE".to_owned(),
        "AUTHENTIK".to_owned(),
        "GITEA".to_owned(),
        "CODER".to_owned(),
    ]];
    for row in &m.rows {
        table.push(vec![
            row.username.clone(),
            row.role.as_deref().unwrap_or("(not in config)").to_owned(),
            authentik_summary(row).0,
            gitea_summary(row).0,
            coder_summary(row).0,
        ]);
    }
    // Cells as the terminal will show them, so their widths are the widths on screen.
    for cell in table.iter_mut().flatten() {
        *cell = crate::logs::safe_text(cell);
    }
    out.push('\n');
    for line in crate::text::align_columns(&table) {
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');
    out.push_str(&findings_text(&m.findings));
    out
}

pub fn findings_text(findings: &[PolicyFinding]) -> String {
    let mut out = String::new();
    if findings.is_empty() {
        out.push_str("=== no findings ===\n");
        return out;
    }
    let _ = writeln!(out, "Findings ({}):", findings.len());
    for f in findings {
        let _ = writeln!(out, "✗ [{}] {}", f.system, f.message);
        let _ = writeln!(out, "    fix: {}", f.fix.describe());
    }
    let _ = writeln!(out, "=== {} finding(s) ===", findings.len());
    out
}

/// One line per step: ✓ done, · skipped, ✗ failed, … pending.
pub fn create_text(report: &CreateReport) -> String {
    let mut out = format!(
        "Create {} <{}> as {}:\n",
        report.user.username, report.user.email, report.user.role
    );
    for step in &report.steps {
        let (mark, text) = match &step.status {
            StepStatus::Pending => ("…", "not done".to_owned()),
            StepStatus::Running => ("▶", "running".to_owned()),
            StepStatus::Done { detail, .. } => ("✓", detail.clone()),
            StepStatus::Skipped { reason } => ("·", format!("skipped: {reason}")),
            StepStatus::Failed { error } => ("✗", format!("FAILED: {error}")),
        };
        let _ = writeln!(out, "  {mark} {}{text}", pad(step.kind.label(), 24));
    }
    out
}
