//! The product's enums as PostgreSQL stores them: `text` columns with CHECK constraints. Each
//! type reads back only the values it writes; anything else in the database is an error
//! (the request fails with 500 and the log names the value), never a silent default.

use std::io::Write;

use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::actors::{ActorKind, Role};
use crate::domain::attendance::{CheckInSource, NoShowReason};
use crate::domain::attendance_matching::{MatchedBy, RowStatus};
use crate::domain::events::EventStatus;
use crate::domain::history::{EventAction, RegistrationAction};
use crate::domain::offers::WaitlistPromotion;
use crate::domain::outcomes::ActionStatus;
use crate::domain::outreach::{OutreachKind, OutreachResult, OutreachStatus};
use crate::domain::participant_list::ListFormat;
use crate::domain::places::PlaceKind;
use crate::domain::registrations::RegistrationStatus;
use crate::domain::seats::Mode;
use crate::domain::webhooks::EventType;

/// Maps `$type` (with `as_str` and `parse`) to `text`, in both directions, as a column type,
/// a bind parameter (by value or reference, nullable or not) and an array element.
macro_rules! text_enum {
    ($type:ty, $what:literal) => {
        impl ToSql<Text, Pg> for $type {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.as_str().as_bytes())?;
                Ok(serialize::IsNull::No)
            }
        }

        impl FromSql<Text, Pg> for $type {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                let text = std::str::from_utf8(value.as_bytes())?;
                <$type>::parse(text)
                    .ok_or_else(|| format!("unknown {} {text:?} in the database", $what).into())
            }
        }

        impl Queryable<Text, Pg> for $type {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $type {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $type {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $type {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $type {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl ToSql<Nullable<Text>, Pg> for $type {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Self as ToSql<Text, Pg>>::to_sql(self, out)
            }
        }
    };
}

text_enum!(RegistrationStatus, "registration status");
text_enum!(Mode, "attendance mode");
text_enum!(EventStatus, "event status");
text_enum!(Role, "role");
text_enum!(ActorKind, "actor kind");
text_enum!(EventType, "webhook event type");
text_enum!(RegistrationAction, "registration history action");
text_enum!(EventAction, "event history action");
text_enum!(PlaceKind, "place kind");
text_enum!(CheckInSource, "check-in source");
text_enum!(NoShowReason, "no-show reason");
text_enum!(ListFormat, "participant list format");
text_enum!(MatchedBy, "match kind");
text_enum!(RowStatus, "import row status");
text_enum!(OutreachKind, "outreach kind");
text_enum!(OutreachStatus, "outreach status");
text_enum!(OutreachResult, "outreach result");
text_enum!(WaitlistPromotion, "waitlist promotion");
text_enum!(ActionStatus, "action status");

/// A registration's barriers as its `jsonb` column holds them; a value that is not a list of
/// barriers of the vocabulary is an error, as for the enums above.
mod barriers {
    use std::io::Write;

    use diesel::deserialize::{self, FromSql, Queryable};
    use diesel::expression::AsExpression;
    use diesel::internal::derives::as_expression::Bound;
    use diesel::pg::{Pg, PgValue};
    use diesel::serialize::{self, Output, ToSql};
    use diesel::sql_types::Jsonb;

    use crate::domain::barriers::Barriers;

    impl ToSql<Jsonb, Pg> for Barriers {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            // jsonb's binary format: a version byte, then the text.
            out.write_all(&[1])?;
            serde_json::to_writer(out, self)?;
            Ok(serialize::IsNull::No)
        }
    }

    impl FromSql<Jsonb, Pg> for Barriers {
        fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
            let json = <serde_json::Value as FromSql<Jsonb, Pg>>::from_sql(value)?;
            serde_json::from_value(json).map_err(|e| format!("barriers in the database: {e}").into())
        }
    }

    impl Queryable<Jsonb, Pg> for Barriers {
        type Row = Self;
        fn build(row: Self) -> deserialize::Result<Self> {
            Ok(row)
        }
    }

    impl AsExpression<Jsonb> for Barriers {
        type Expression = Bound<Jsonb, Self>;
        fn as_expression(self) -> Self::Expression {
            Bound::new(self)
        }
    }

    impl AsExpression<Jsonb> for &Barriers {
        type Expression = Bound<Jsonb, Self>;
        fn as_expression(self) -> Self::Expression {
            Bound::new(self)
        }
    }
}
