//! The Networking and SSO tabs' part of `update`: asking for a pass, applying its result.

use super::panel::area_of;
use crate::app::state::State;
use crate::app::vocab::Effect;
use crate::diagnose::worker::DiagnoseEvent;

fn visible(state: &State) -> bool {
    area_of(state.tab).is_some()
}

fn start(state: &mut State) -> Vec<Effect> {
    state.diagnose.running = true;
    state.diagnose.requested = true;
    state.dirty = true;
    vec![Effect::Diagnose]
}

/// Opening the Networking or SSO tab for the first time asks for a pass.
pub fn on_tab(state: &mut State) -> Vec<Effect> {
    if visible(state) && !state.diagnose.requested && !state.diagnose.running {
        return start(state);
    }
    Vec::new()
}

/// `r` on the Networking or SSO tab: a new pass, unless one runs already.
pub fn refresh(state: &mut State) -> Vec<Effect> {
    if state.diagnose.running {
        state.status = Some("a check is already running".into());
        return Vec::new();
    }
    start(state)
}

/// News from the worker. Redraws only when a diagnosis tab shows it.
pub fn event(state: &mut State, event: DiagnoseEvent) -> Vec<Effect> {
    match event {
        DiagnoseEvent::Started => {
            if !state.diagnose.running {
                state.diagnose.running = true;
                state.dirty |= visible(state);
            }
        }
        DiagnoseEvent::Finished(diagnosis) => {
            state.diagnose.running = false;
            state.diagnose.requested = true;
            state.diagnose.last = Some(*diagnosis);
            state.dirty |= visible(state);
        }
    }
    Vec::new()
}

/// The worker could not take the request (it is gone): stop waiting for it.
pub fn request_failed(state: &mut State) {
    state.diagnose.running = false;
    state.status = Some("the diagnosis worker is not running".into());
    state.dirty = true;
}
