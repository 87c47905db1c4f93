//! What a check reports: a finding with the evidence observed and the fix to apply.

use serde::Serialize;

/// How bad a finding is. `Skipped` means the check could not run, and says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Fail,
    Warn,
    Skipped,
    Ok,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fail => "fail",
            Severity::Warn => "warn",
            Severity::Skipped => "skipped",
            Severity::Ok => "ok",
        }
    }

    /// Display order in reports: the worst first.
    pub const ORDER: [Severity; 4] = [
        Severity::Fail,
        Severity::Warn,
        Severity::Skipped,
        Severity::Ok,
    ];
}

/// The two groups of checks, as `--only` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    Networking,
    Sso,
}

impl Area {
    pub const ALL: [Area; 2] = [Area::Networking, Area::Sso];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Networking => "networking",
            Area::Sso => "sso",
        }
    }

    pub fn parse(text: &str) -> Option<Area> {
        Area::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// One result of one check about one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable within a report: `check:subject` (with `#2`, `#3`… when a pair repeats).
    pub id: String,
    pub area: Area,
    /// A stable identifier of the check, e.g. `access-url-not-localhost`.
    pub check: String,
    pub severity: Severity,
    /// What the finding is about: a container, a URL, an OIDC client, a user.
    pub subject: String,
    /// One line saying what is wrong (or right).
    pub summary: String,
    /// What was actually observed.
    pub evidence: String,
    /// What to do; empty for `ok`.
    pub fix: String,
    /// The manual's section that explains it.
    pub reference: String,
    /// The id of the finding that causes this one; its fix is the one to apply.
    pub caused_by: Option<String>,
}

impl Finding {
    pub fn new(area: Area, check: &str, severity: Severity, subject: impl Into<String>) -> Self {
        let subject = subject.into();
        Finding {
            id: format!("{check}:{subject}"),
            area,
            check: check.to_owned(),
            severity,
            subject,
            summary: String::new(),
            evidence: String::new(),
            fix: String::new(),
            reference: String::new(),
            caused_by: None,
        }
    }

    #[must_use]
    pub fn summary(mut self, text: impl Into<String>) -> Self {
        self.summary = text.into();
        self
    }

    #[must_use]
    pub fn evidence(mut self, text: impl Into<String>) -> Self {
        self.evidence = text.into();
        self
    }

    #[must_use]
    pub fn fix(mut self, text: impl Into<String>) -> Self {
        self.fix = text.into();
        self
    }

    #[must_use]
    pub fn reference(mut self, text: impl Into<String>) -> Self {
        self.reference = text.into();
        self
    }

    /// Names the finding that causes this one.
    #[must_use]
    pub fn caused_by(mut self, id: impl Into<String>) -> Self {
        self.caused_by = Some(id.into());
        self
    }

    pub fn is_problem(&self) -> bool {
        matches!(self.severity, Severity::Fail | Severity::Warn)
    }
}

/// Every finding of one run, with counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub fail: usize,
    pub warn: usize,
    pub skipped: usize,
    pub ok: usize,
}

impl Report {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for f in &self.findings {
            match f.severity {
                Severity::Fail => c.fail += 1,
                Severity::Warn => c.warn += 1,
                Severity::Skipped => c.skipped += 1,
                Severity::Ok => c.ok += 1,
            }
        }
        c
    }

    pub fn has_failures(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Fail)
    }

    pub fn in_area(&self, area: Area) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.area == area)
    }

    /// Makes every id unique (a repeated `check:subject` gets `#2`, `#3`…).
    pub fn unique_ids(&mut self) {
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for f in &mut self.findings {
            let n = seen.entry(f.id.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                f.id = format!("{}#{n}", f.id);
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }

    /// The findings caused by `id`, in report order.
    pub fn consequences<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |f| f.caused_by.as_deref() == Some(id))
    }

    /// Roots first (worst first), each followed by its consequences: `(finding, is_consequence)`.
    /// With an area, only that area's findings, plus the roots (of any area) that cause them.
    pub fn folded(&self, area: Option<Area>) -> Vec<(&Finding, bool)> {
        let wanted = |f: &Finding| area.is_none_or(|a| f.area == a);
        let mut roots: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.caused_by.as_deref().is_none_or(|c| self.get(c).is_none()))
            .filter(|f| wanted(f) || self.consequences(&f.id).any(wanted))
            .collect();
        roots.sort_by_key(|f| f.severity);
        let mut out = Vec::new();
        for root in roots {
            out.push((root, false));
            out.extend(
                self.consequences(&root.id)
                    .filter(|f| wanted(f))
                    .map(|f| (f, true)),
            );
        }
        out
    }

    /// Worst first, then by check and subject, so output is stable.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (a.severity, a.area, &a.check, &a.subject)
                .cmp(&(b.severity, b.area, &b.check, &b.subject))
        });
    }
}

/// Manual sections, named once so findings cite them the same way.
pub mod sections {
    pub const HOSTS: &str = "Host Machine Setup > /etc/hosts Entry";
    pub const BROWSER_URLS: &str = "Host Machine Setup > Browser Access URLs";
    pub const URL_CONTEXTS: &str = "Docker Networking > Understanding URL Contexts";
    pub const LOCALHOST: &str = "Docker Networking > The `localhost` Problem";
    pub const CONTAINER_TO_CONTAINER: &str =
        "Docker Networking > Container-to-Container Communication";
    pub const ACCESS_URL: &str = "Coder-Specific Networking > Access URL Configuration";
    pub const AGENT: &str = "Coder-Specific Networking > Fixing Agent Connection Issues";
    pub const PATH_APPS: &str = "Docker Networking > Path-Based vs Subdomain Apps";
    pub const LINUX_HOST: &str = "Docker Networking > Linux Docker Host (No Docker Desktop)";
    pub const TROUBLESHOOTING: &str = "Docker Networking > Network Troubleshooting Commands";
    pub const DEVCONTAINERS: &str = "Docker Networking > Devcontainer Detection Issue (Coder 2.x+)";
    pub const RESTART_VS_UP: &str = "Docker Networking > Docker Compose: restart vs up -d";
    pub const SSO_LOGIN: &str = "Troubleshooting Credentials > User can't login via SSO";
    pub const SSO_REDIRECT: &str = "Troubleshooting Credentials > SSO redirect errors";
    pub const OIDC: &str = "service APIs > OIDC: what to validate";
}
