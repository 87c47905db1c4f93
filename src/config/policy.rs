//! `--read-only` as one value every worker consults before it changes anything: compose
//! actions, identity writes, workspace builds and the diagnosis's probe containers and execs.

/// What poc-tui may change in this run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    read_only: bool,
}

impl Policy {
    pub fn new(read_only: bool) -> Self {
        Policy { read_only }
    }

    /// No change allowed: `--read-only`.
    pub fn read_only() -> Self {
        Policy { read_only: true }
    }

    pub fn is_read_only(self) -> bool {
        self.read_only
    }

    /// `Ok` when `what` ("compose actions", "probe containers") may run; otherwise the
    /// sentence that says why not.
    pub fn allow(self, what: &str) -> Result<(), String> {
        if self.read_only {
            Err(format!(
                "read-only mode: {what} disabled (started with --read-only)"
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_refuses_and_says_why() {
        assert_eq!(Policy::default().allow("compose actions"), Ok(()));
        let err = Policy::read_only()
            .allow("compose actions")
            .expect_err("refused");
        assert!(err.contains("--read-only"), "{err}");
        assert!(Policy::new(true).is_read_only());
    }
}
