//! Custom scalars of the contract.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// A position in the log: a string of digits, so that JavaScript clients never lose precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position(pub u64);

/// A position in the global event log (an unsigned 64-bit number, growing with every event),
/// sent as a string of digits so that JavaScript clients never lose precision. Accepted as a
/// string of digits or as a non-negative integer. Subscribe `after` one to hear what follows it.
#[Scalar(name = "Position")]
impl ScalarType for Position {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => text
                .parse::<u64>()
                .map(Position)
                .map_err(|_| InputValueError::custom("a Position is a string of digits, like \"42\"")),
            Value::Number(number) => {
                number.as_u64().map(Position).ok_or_else(|| InputValueError::custom("a Position is a non-negative integer"))
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// A count, version or number of days as a GraphQL `Int` (32 bits): values beyond it, which only
/// a log written by something else could hold, read as the largest `Int` instead of wrapping
/// around into a negative number.
pub fn int(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}

/// A version as a 64-bit integer, saturating like [`int`].
pub fn long(value: impl TryInto<i64>) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}
