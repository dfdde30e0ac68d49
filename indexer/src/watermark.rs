//! The `watermarks` table: for each pipeline, the last checkpoint whose rows are all written.

use diesel::{PgConnection, prelude::*};

use crate::schema::watermarks;

/// Where a pipeline stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = watermarks)]
pub struct Watermark {
    /// Every checkpoint up to this one is written.
    pub checkpoint_hi_inclusive: i64,
    /// The epoch at that checkpoint (0 before the genesis).
    pub epoch: i64,
    /// Its timestamp.
    pub timestamp_ms: i64,
}

impl Watermark {
    /// Where a pipeline that has written nothing stands.
    pub const BEFORE_GENESIS: Self = Self {
        checkpoint_hi_inclusive: -1,
        epoch: 0,
        timestamp_ms: 0,
    };
}

/// The watermark of `pipeline`, if it has written anything.
pub fn read(connection: &mut PgConnection, pipeline: &str) -> QueryResult<Option<Watermark>> {
    watermarks::table
        .filter(watermarks::pipeline.eq(pipeline))
        .select((
            watermarks::checkpoint_hi_inclusive,
            watermarks::epoch,
            watermarks::timestamp_ms,
        ))
        .first(connection)
        .optional()
}

/// Sets the watermark of `pipeline` (its drivers only ever move it forwards).
pub fn advance(
    connection: &mut PgConnection,
    pipeline: &str,
    watermark: Watermark,
) -> QueryResult<()> {
    let row = (watermarks::pipeline.eq(pipeline), watermark);
    diesel::insert_into(watermarks::table)
        .values(row)
        .on_conflict(watermarks::pipeline)
        .do_update()
        .set(watermark)
        .execute(connection)?;
    Ok(())
}
