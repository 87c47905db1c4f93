//! The Services tab's list: configured services, other containers of the compose project and
//! Coder workspaces, filtered by `/` and ordered by the chosen sort key.

use std::cmp::Ordering;

use super::options::{Group, RowRef, SortKey};
use crate::app::state::State;
use crate::app::vocab::Tab;
use crate::docker::{ContainerInfo, ContainerState, DockerHealth};
use crate::health::Health;

/// The rows as shown, in order, each with its group.
pub fn visible_rows(state: &State) -> Vec<(Group, RowRef)> {
    let opts = &state.list;
    let needle = opts.filter.to_lowercase();
    let engine = &state.engine;

    let mut services: Vec<usize> = (0..state.services.len())
        .filter(|&i| {
            let row = &state.services[i];
            let container = engine.container_of(&row.key);
            needle.is_empty()
                || [row.display.as_str(), row.key.as_str(), row.purpose.as_str()]
                    .iter()
                    .any(|t| t.to_lowercase().contains(&needle))
                || container.is_some_and(|c| container_matches(c, &needle))
        })
        .collect();
    services.sort_by(|&a, &b| {
        let (ra, rb) = (&state.services[a], &state.services[b]);
        let (ca, cb) = (engine.container_of(&ra.key), engine.container_of(&rb.key));
        let order = match opts.sort {
            SortKey::Config => a.cmp(&b),
            SortKey::Name => ra.display.to_lowercase().cmp(&rb.display.to_lowercase()),
            SortKey::State => severity(ra.health(), ca)
                .cmp(&severity(rb.health(), cb))
                .reverse(),
            SortKey::Cpu => cmp_f64(cpu(state, ca), cpu(state, cb)).reverse(),
            SortKey::Memory => mem(state, ca).cmp(&mem(state, cb)).reverse(),
        };
        order.then(a.cmp(&b))
    });
    if opts.reverse {
        services.reverse();
    }

    let containers = |ids: &[String]| -> Vec<String> {
        let mut list: Vec<&ContainerInfo> = ids
            .iter()
            .filter_map(|id| engine.containers.get(id))
            .filter(|c| needle.is_empty() || container_matches(c, &needle))
            .collect();
        list.sort_by(|a, b| {
            let order = match opts.sort {
                SortKey::Config | SortKey::Name => Ordering::Equal,
                SortKey::State => severity(Health::Unknown, Some(a))
                    .cmp(&severity(Health::Unknown, Some(b)))
                    .reverse(),
                SortKey::Cpu => cmp_f64(cpu(state, Some(a)), cpu(state, Some(b))).reverse(),
                SortKey::Memory => mem(state, Some(a)).cmp(&mem(state, Some(b))).reverse(),
            };
            order.then_with(|| natural_cmp(&a.name, &b.name))
        });
        if opts.reverse {
            list.reverse();
        }
        list.into_iter().map(|c| c.id.clone()).collect()
    };

    let mut rows: Vec<(Group, RowRef)> = services
        .into_iter()
        .map(|i| (Group::Services, RowRef::Service(i)))
        .collect();
    rows.extend(
        containers(&engine.classified.unconfigured)
            .into_iter()
            .map(|id| (Group::Project, RowRef::Container(id))),
    );
    rows.extend(
        containers(&engine.classified.workspaces)
            .into_iter()
            .map(|id| (Group::Workspaces, RowRef::Workspace(id))),
    );
    rows.extend(
        coder_only(state)
            .into_iter()
            .filter(|w| needle.is_empty() || w.full_name().to_lowercase().contains(&needle))
            .map(|w| (Group::Workspaces, RowRef::CoderOnly(w.id.clone()))),
    );
    if opts.show_other {
        rows.extend(
            containers(&engine.classified.other)
                .into_iter()
                .map(|id| (Group::Other, RowRef::Container(id))),
        );
    }
    rows
}

/// How many containers the collapsed "Other containers" group holds.
pub fn other_count(state: &State) -> usize {
    state.engine.classified.other.len()
}

/// Names compared with their runs of digits as numbers: `perf2` before `perf10`.
pub fn natural_cmp(left: &str, right: &str) -> Ordering {
    let (mut lhs, mut rhs) = (left.chars().peekable(), right.chars().peekable());
    loop {
        match (lhs.peek().copied(), rhs.peek().copied()) {
            (None, None) => return left.cmp(right),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(l), Some(r)) if l.is_ascii_digit() && r.is_ascii_digit() => {
                let (m, n) = (digits(&mut lhs), digits(&mut rhs));
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                let order = m.len().cmp(&n.len()).then_with(|| m.cmp(n));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(l), Some(r)) => {
                let order = l.to_ascii_lowercase().cmp(&r.to_ascii_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                lhs.next();
                rhs.next();
            }
        }
    }
}

/// The run of ASCII digits at the front of `chars`, consumed.
fn digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut run = String::new();
    while let Some(digit) = chars.peek().copied().filter(char::is_ascii_digit) {
        run.push(digit);
        chars.next();
    }
    run
}

/// Coder's workspaces that no container on the engine carries, started ones first, by name.
pub fn coder_only(state: &State) -> Vec<&crate::workspaces::Workspace> {
    let engine = &state.engine;
    let labelled: Vec<crate::workspaces::Labelled<'_>> = engine
        .classified
        .workspaces
        .iter()
        .filter_map(|id| engine.containers.get(id))
        .filter_map(|c| {
            c.workspace
                .as_ref()
                .map(|labels| crate::workspaces::Labelled {
                    container_id: &c.id,
                    labels,
                })
        })
        .collect();
    let view = &state.workspaces.view;
    let Some(known) = view.known() else {
        return Vec::new();
    };
    let mut list: Vec<&crate::workspaces::Workspace> = view
        .without_container(&labelled)
        .into_iter()
        .filter_map(|i| known.workspaces.get(i))
        .collect();
    list.sort_by_key(|w| (w.is_stopped(), w.full_name()));
    list
}

fn container_matches(c: &ContainerInfo, needle: &str) -> bool {
    c.name.to_lowercase().contains(needle)
        || c.image.to_lowercase().contains(needle)
        || c.state.as_str().contains(needle)
        || c.workspace.as_ref().is_some_and(|w| {
            format!("{}/{}", w.owner, w.workspace_name)
                .to_lowercase()
                .contains(needle)
        })
}

/// How bad a row looks: higher is worse.
fn severity(probe: Health, container: Option<&ContainerInfo>) -> u8 {
    let container_rank = container.map_or(1, |c| match (c.state, c.health) {
        (_, DockerHealth::Unhealthy) | (ContainerState::Dead | ContainerState::Exited, _) => 3,
        (ContainerState::Restarting | ContainerState::Paused | ContainerState::Created, _)
        | (_, DockerHealth::Starting) => 2,
        _ => 0,
    });
    probe.severity().max(container_rank)
}

fn cpu(state: &State, c: Option<&ContainerInfo>) -> f64 {
    c.and_then(|c| state.engine.stats.get(&c.id))
        .and_then(|s| s.cpu_percent)
        .unwrap_or(-1.0)
}

fn mem(state: &State, c: Option<&ContainerInfo>) -> u64 {
    c.and_then(|c| state.engine.stats.get(&c.id))
        .map_or(0, |s| s.mem_used)
}

fn cmp_f64(a: f64, b: f64) -> Ordering {
    a.total_cmp(&b)
}

/// The container behind a row, if any.
pub fn row_container<'a>(state: &'a State, row: &RowRef) -> Option<&'a ContainerInfo> {
    match row {
        RowRef::Service(i) => state
            .services
            .get(*i)
            .and_then(|r| state.engine.container_of(&r.key)),
        RowRef::Container(id) | RowRef::Workspace(id) => state.engine.containers.get(id),
        RowRef::CoderOnly(_) => None,
    }
}

/// The selected row of the Services tab.
pub fn selected(state: &State) -> Option<RowRef> {
    let rows = visible_rows(state);
    let index = state
        .selected_row(Tab::Services)
        .min(rows.len().saturating_sub(1));
    rows.into_iter().nth(index).map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;
    use std::cmp::Ordering;

    #[test]
    fn names_sort_naturally() {
        let mut names = vec!["perf10", "perf2", "Perf1", "api", "perf02b", "perf2a", "db"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["api", "db", "Perf1", "perf2", "perf2a", "perf02b", "perf10"]
        );
        assert_eq!(natural_cmp("a", "a"), Ordering::Equal);
        assert_eq!(
            natural_cmp("x99999999999999999999999", "x1"),
            Ordering::Greater
        );
    }
}
