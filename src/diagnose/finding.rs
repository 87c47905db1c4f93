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
}

impl Finding {
    pub fn new(area: Area, check: &str, severity: Severity, subject: impl Into<String>) -> Self {
        Finding {
            area,
            check: check.to_owned(),
            severity,
            subject: subject.into(),
            summary: String::new(),
            evidence: String::new(),
            fix: String::new(),
            reference: String::new(),
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
