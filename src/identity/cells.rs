//! The cells of the identity matrix: one value per system and field, each with its verdict
//! against the policy. Plain data; the checks fill it in, the views read it.

use serde::Serialize;

/// How one cell compares with the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum CellVerdict {
    Ok,
    Different {
        expected: String,
    },
    Missing,
    /// Not there yet, and that is expected (Coder creates it at first SSO login).
    Pending,
    /// The system was not read: its reason is in the exists cell.
    Unreachable,
    /// No policy applies (not expected in this system, or not a managed user).
    Info,
    /// The system does not report this value.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub value: String,
    #[serde(flatten)]
    pub verdict: CellVerdict,
}

impl Cell {
    pub(super) fn new(value: impl Into<String>, verdict: CellVerdict) -> Self {
        Cell {
            value: value.into(),
            verdict,
        }
    }
    pub(super) fn info(value: impl Into<String>) -> Self {
        Cell::new(value, CellVerdict::Info)
    }
    pub(super) fn blank() -> Self {
        Cell::info("—")
    }
    /// `actual` against `expected` (when a policy applies).
    pub(super) fn compare(actual: &str, expected: Option<&str>) -> Self {
        match expected {
            None => Cell::info(actual),
            Some(e) if e == actual => Cell::new(actual, CellVerdict::Ok),
            Some(e) => Cell::new(
                actual,
                CellVerdict::Different {
                    expected: e.to_owned(),
                },
            ),
        }
    }
    pub(super) fn flag(actual: bool, expected: Option<bool>) -> Self {
        Cell::compare(yes_no(actual), expected.map(yes_no))
    }
}

pub(super) fn yes_no(v: bool) -> &'static str {
    if v {
        "yes"
    } else {
        "no"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthentikCells {
    pub expected: bool,
    pub exists: Cell,
    pub active: Cell,
    pub groups: Cell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GiteaCells {
    pub expected: bool,
    pub exists: Cell,
    pub admin: Cell,
    pub restricted: Cell,
    pub can_create_org: Cell,
    pub account: Cell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoderCells {
    pub expected: bool,
    pub exists: Cell,
    pub login_type: Cell,
    pub roles: Cell,
    pub status: Cell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    pub username: String,
    pub email: Option<String>,
    /// The config's role; `None` for accounts found in a system but not in the config.
    pub role: Option<String>,
    pub authentik: AuthentikCells,
    pub gitea: GiteaCells,
    pub coder: CoderCells,
    /// Where the expectation comes from when poc-tui remembers this person (not the config):
    /// "created by poc-tui on 2026-12-07".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remembered: Option<String>,
}

/// The first cell says why the system was not read; the others are left empty.
fn unreachable_cells<const N: usize>(reason: &str) -> [Cell; N] {
    std::array::from_fn(|i| {
        let value = if i == 0 {
            format!("unreachable: {reason}")
        } else {
            String::new()
        };
        Cell::new(value, CellVerdict::Unreachable)
    })
}

impl AuthentikCells {
    pub(super) fn unreachable(expected: bool, reason: &str) -> Self {
        let [exists, active, groups] = unreachable_cells(reason);
        AuthentikCells {
            expected,
            exists,
            active,
            groups,
        }
    }

    /// No account: only the exists cell says something.
    pub(super) fn absent(expected: bool, exists: Cell) -> Self {
        AuthentikCells {
            expected,
            exists,
            active: Cell::blank(),
            groups: Cell::blank(),
        }
    }
}

impl GiteaCells {
    pub(super) fn unreachable(expected: bool, reason: &str) -> Self {
        let [exists, admin, restricted, can_create_org, account] = unreachable_cells(reason);
        GiteaCells {
            expected,
            exists,
            admin,
            restricted,
            can_create_org,
            account,
        }
    }

    pub(super) fn absent(expected: bool, exists: Cell) -> Self {
        GiteaCells {
            expected,
            exists,
            admin: Cell::blank(),
            restricted: Cell::blank(),
            can_create_org: Cell::blank(),
            account: Cell::blank(),
        }
    }
}

impl CoderCells {
    pub(super) fn unreachable(expected: bool, reason: &str) -> Self {
        let [exists, login_type, roles, status] = unreachable_cells(reason);
        CoderCells {
            expected,
            exists,
            login_type,
            roles,
            status,
        }
    }

    pub(super) fn absent(expected: bool, exists: Cell) -> Self {
        CoderCells {
            expected,
            exists,
            login_type: Cell::blank(),
            roles: Cell::blank(),
            status: Cell::blank(),
        }
    }
}
