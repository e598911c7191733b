//! Custom scalars of the contract.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// A position in the log: a string of digits, so that JavaScript clients never lose precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position(pub u64);

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
