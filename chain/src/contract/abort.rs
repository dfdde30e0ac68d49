//! Move aborts: a module and a code, exactly as the Move package raises them.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// An abort of a contract call, as `(module, code)` with the constant's name for people.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("the contract aborted in {module}::{name} (code {code})")]
pub struct MoveAbort {
    /// The Move module that aborted.
    pub module: Cow<'static, str>,
    /// The name of the abort constant.
    pub name: Cow<'static, str>,
    /// The abort code.
    pub code: u64,
}

/// Returns `Err(abort)` unless `condition` holds: Move's `assert!`.
pub fn ensure(condition: bool, abort: MoveAbort) -> Result<(), MoveAbort> {
    if condition { Ok(()) } else { Err(abort) }
}

/// Declares a module's abort constants with the names and codes of its Move module.
macro_rules! abort_codes {
    ($module:literal { $($(#[$doc:meta])* $name:ident = $code:literal,)* }) => {
        $(
            $(#[$doc])*
            #[allow(non_upper_case_globals)]
            pub const $name: $crate::contract::MoveAbort = $crate::contract::MoveAbort {
                module: std::borrow::Cow::Borrowed($module),
                name: std::borrow::Cow::Borrowed(stringify!($name)),
                code: $code,
            };
        )*
    };
}

pub(crate) use abort_codes;

/// The Move VM's arithmetic error (overflow, underflow, division by zero): not an abort
/// constant of any module but the status `ARITHMETIC_ERROR` (4017).
#[allow(non_upper_case_globals)]
pub const ArithmeticError: MoveAbort = MoveAbort {
    module: Cow::Borrowed("vm"),
    name: Cow::Borrowed("ARITHMETIC_ERROR"),
    code: 4017,
};
