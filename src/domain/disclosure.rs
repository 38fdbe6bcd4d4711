//! Small-count protection that cannot be undone by arithmetic (statistical disclosure
//! control of a table with published sums).
//!
//! A report is a table of counts tied together by sums (`total = part + part + …`). Hiding
//! each count from 1 to N-1 (primary suppression) is not enough: when the total and all but
//! one part are shown, the hidden part is their difference. So every count that is hidden,
//! and every count that the report never shows but that follows from what it shows (the
//! people *without* a need, the confirmed who did not attend), must stay undetermined by the
//! report's own sums. Where it would not, a complementary count is hidden too: the smallest
//! positive count that shares a sum with the exposed one, a part before a total, so that the
//! headline figures stay visible whenever they can.
//!
//! Whether a count is determined is decided exactly for the linear system: a count is
//! determined when its unit vector lies in the row space of the sums restricted to the
//! unknown counts (reduced row echelon form). Counts that the report never shows and that
//! enter a single sum (the residuals) are eliminated first, which keeps the system as small
//! as the number of hidden counts however large the report.

/// A count in a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cell(usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Shown unless hidden.
    Published,
    /// Never shown, but follows from the sums (a residual or an unpublished subtotal).
    Derived,
}

#[derive(Debug, Clone)]
struct Spec {
    value: i64,
    role: Role,
}

/// `total = Σ parts`.
#[derive(Debug, Clone)]
struct Sum {
    total: Cell,
    parts: Vec<Cell>,
}

impl Sum {
    fn members(&self) -> impl Iterator<Item = Cell> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }

    /// The coefficient of `cell`: +1 for the total, -1 for each time it is a part.
    fn coefficient(&self, cell: Cell) -> f64 {
        let total = if self.total == cell { 1.0 } else { 0.0 };
        total - self.parts.iter().filter(|&&p| p == cell).count() as f64
    }
}

/// The counts of a report and the sums that tie them.
#[derive(Debug, Clone, Default)]
pub struct Table {
    cells: Vec<Spec>,
    sums: Vec<Sum>,
}

/// Which counts of a [`Table`] are shown.
#[derive(Debug, Clone)]
pub struct Protected {
    values: Vec<i64>,
    hidden: Vec<bool>,
}

impl Protected {
    /// The count as the report shows it: `None` when hidden.
    pub fn show(&self, cell: Cell) -> Option<i64> {
        (!self.hidden[cell.0]).then_some(self.values[cell.0])
    }

    pub fn is_hidden(&self, cell: Cell) -> bool {
        self.hidden[cell.0]
    }

    /// True when at least one count is hidden.
    pub fn any_hidden(&self) -> bool {
        self.hidden.iter().any(|&h| h)
    }
}

const EPSILON: f64 = 1e-9;

impl Table {
    pub fn new() -> Self {
        Self::default()
    }

    /// A count the report shows, which may be hidden to protect another.
    pub fn published(&mut self, value: i64) -> Cell {
        self.add(value, Role::Published)
    }

    /// A count the report does not show but that follows from its sums.
    pub fn derived(&mut self, value: i64) -> Cell {
        self.add(value, Role::Derived)
    }

    fn add(&mut self, value: i64, role: Role) -> Cell {
        self.cells.push(Spec { value, role });
        Cell(self.cells.len() - 1)
    }

    /// Declares `total = Σ parts`.
    pub fn sum(&mut self, total: Cell, parts: &[Cell]) {
        debug_assert_eq!(
            self.cells[total.0].value,
            parts.iter().map(|p| self.cells[p.0].value).sum::<i64>(),
            "a sum of the report must hold"
        );
        self.sums.push(Sum { total, parts: parts.to_vec() });
    }

    pub fn value(&self, cell: Cell) -> i64 {
        self.cells[cell.0].value
    }

    /// Hides every published count from 1 to `below - 1`, then complementary counts until
    /// no hidden count, and no small unpublished count, follows from the sums. `below` of
    /// 1 or less hides nothing.
    pub fn protect(&self, below: i64) -> Protected {
        let small = |value: i64| value >= 1 && value < below;
        let mut hidden: Vec<bool> =
            self.cells.iter().map(|spec| spec.role == Role::Published && small(spec.value)).collect();
        if below > 1 {
            // Each round hides one more count, so this ends.
            while let Some(exposed) = self.first_exposed(&hidden, &small) {
                match self.complement_for(exposed, &hidden) {
                    Some(cell) => hidden[cell.0] = true,
                    None => {
                        // Nothing left to hide near it: show nothing rather than a count
                        // that gives one away.
                        hidden = self.cells.iter().map(|spec| spec.role == Role::Published).collect();
                        break;
                    }
                }
            }
        }
        Protected { values: self.cells.iter().map(|spec| spec.value).collect(), hidden }
    }

    /// The first count that must not be determined but is: a hidden one, or a small one
    /// that is never shown. First by the sums alone (linear algebra, exact and fast), then
    /// with what the sums leave out: no count is negative, so a small count next to zeros
    /// may be pinned even where the sums alone would let it move.
    fn first_exposed(&self, hidden: &[bool], small: &impl Fn(i64) -> bool) -> Option<Cell> {
        let unknown = |cell: Cell| hidden[cell.0] || self.cells[cell.0].role == Role::Derived;
        let protected = |cell: Cell| {
            hidden[cell.0] || (self.cells[cell.0].role == Role::Derived && small(self.cells[cell.0].value))
        };
        let system = System::of(self, &unknown);
        let mut protected_cells = (0..self.cells.len()).map(Cell).filter(|&cell| protected(cell));
        if let Some(cell) = protected_cells.clone().find(|&cell| system.determines(cell)) {
            return Some(cell);
        }
        let search = Search::of(self, &unknown);
        protected_cells.find(|&cell| search.pinned(cell))
    }

    /// The count to hide so that `exposed` is no longer determined: among the shown counts
    /// that may be hidden, those sharing a sum with `exposed` first, then those of sums
    /// further away through unknown counts; within each, a part before a total, then the
    /// smallest. The first that, once hidden, leaves both itself and `exposed` undetermined
    /// is taken; failing that, the first, and the next round goes on from there.
    fn complement_for(&self, exposed: Cell, hidden: &[bool]) -> Option<Cell> {
        let candidates = self.candidates_near(exposed, hidden);
        let frees = |cell: Cell| {
            let mut trial = hidden.to_vec();
            trial[cell.0] = true;
            let unknown = |c: Cell| trial[c.0] || self.cells[c.0].role == Role::Derived;
            let system = System::of(self, &unknown);
            !system.determines(exposed) && !system.determines(cell)
        };
        candidates.iter().copied().find(|&cell| frees(cell)).or(candidates.first().copied())
    }

    /// Shown counts that may be hidden, in the order of [`Table::complement_for`]. A hidden
    /// zero protects little (a count cannot go below it), so zeros come last of all.
    fn candidates_near(&self, exposed: Cell, hidden: &[bool]) -> Vec<Cell> {
        let unknown = |cell: Cell| hidden[cell.0] || self.cells[cell.0].role == Role::Derived;
        let candidate = |cell: Cell| !hidden[cell.0] && self.cells[cell.0].role == Role::Published;
        let mut reached = vec![false; self.cells.len()];
        let mut used = vec![false; self.sums.len()];
        let mut frontier = vec![exposed];
        reached[exposed.0] = true;
        let (mut ordered, mut zeros) = (Vec::new(), Vec::new());
        while !frontier.is_empty() {
            let mut level: Vec<(bool, i64, Cell)> = Vec::new();
            let mut next = Vec::new();
            for (index, sum) in self.sums.iter().enumerate() {
                if used[index] || !sum.members().any(|m| frontier.contains(&m)) {
                    continue;
                }
                used[index] = true;
                for member in sum.members() {
                    if candidate(member) && !reached[member.0] {
                        reached[member.0] = true;
                        match self.cells[member.0].value {
                            0 => zeros.push(member),
                            value => level.push((member == sum.total, value, member)),
                        }
                    } else if unknown(member) && !reached[member.0] {
                        reached[member.0] = true;
                        next.push(member);
                    }
                }
            }
            level.sort_unstable();
            ordered.extend(level.into_iter().map(|(_, _, cell)| cell));
            frontier = next;
        }
        ordered.extend(zeros);
        ordered
    }
}

/// The sums over the unknown counts, in reduced row echelon form, with the residuals
/// (unknown unpublished counts in a single sum) eliminated first.
struct System {
    /// Column of each unknown count of the core, or None.
    column: Vec<Option<usize>>,
    columns: usize,
    /// Reduced rows; `pivots[i]` is the pivot column of `rows[i]`.
    rows: Vec<Vec<f64>>,
    pivots: Vec<usize>,
    /// For each eliminated residual, the sum that defines it, as (cell, coefficient).
    residuals: Vec<Option<Vec<(usize, f64)>>>,
    /// Eliminated residuals in elimination order.
    order: Vec<Cell>,
}

impl System {
    fn of(table: &Table, unknown: &impl Fn(Cell) -> bool) -> Self {
        let n = table.cells.len();
        let derived = |cell: Cell| table.cells[cell.0].role == Role::Derived;
        // A sum of shown counts only says nothing about the unknown ones.
        let mut live: Vec<bool> = table.sums.iter().map(|sum| sum.members().any(unknown)).collect();
        let mut uses = vec![0usize; n];
        let mut sums_of: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (index, sum) in table.sums.iter().enumerate().filter(|(i, _)| live[*i]) {
            for member in sum.members() {
                uses[member.0] += 1;
                sums_of[member.0].push(index);
            }
        }
        let mut residuals: Vec<Option<Vec<(usize, f64)>>> = vec![None; n];
        let mut order = Vec::new();
        // Peel: an unpublished count that appears in one live sum only takes whatever value
        // that sum needs, so that sum says nothing about the other counts.
        let mut queue: Vec<Cell> = (0..n).map(Cell).filter(|&c| derived(c) && uses[c.0] == 1).collect();
        while let Some(residual) = queue.pop() {
            if uses[residual.0] != 1 || residuals[residual.0].is_some() {
                continue;
            }
            let Some(&index) = sums_of[residual.0].iter().find(|&&i| live[i]) else { continue };
            live[index] = false;
            let sum = &table.sums[index];
            residuals[residual.0] = Some(sum.members().map(|m| (m.0, sum.coefficient(m))).collect());
            order.push(residual);
            for member in sum.members() {
                uses[member.0] -= 1;
                if derived(member) && uses[member.0] == 1 && residuals[member.0].is_none() {
                    queue.push(member);
                }
            }
        }
        let mut column = vec![None; n];
        let mut columns = 0;
        for cell in (0..n).map(Cell) {
            if unknown(cell) && residuals[cell.0].is_none() {
                column[cell.0] = Some(columns);
                columns += 1;
            }
        }
        let mut matrix: Vec<Vec<f64>> = table
            .sums
            .iter()
            .zip(&live)
            .filter(|(_, &l)| l)
            .map(|(sum, _)| {
                let mut row = vec![0.0; columns];
                for member in sum.members() {
                    if let Some(j) = column[member.0] {
                        row[j] = sum.coefficient(member);
                    }
                }
                row
            })
            .collect();
        let (rows, pivots) = reduce(&mut matrix, columns);
        System { column, columns, rows, pivots, residuals, order }
    }

    /// Whether the sums fix `cell`'s value.
    fn determines(&self, cell: Cell) -> bool {
        if let Some(j) = self.column[cell.0] {
            // In reduced form, e_j is in the row space exactly when the pivot row of j has no
            // entry on a free column.
            return self
                .rows
                .iter()
                .zip(&self.pivots)
                .any(|(row, &p)| p == j && row.iter().enumerate().all(|(k, v)| k == j || v.abs() < EPSILON));
        }
        let Some(definition) = &self.residuals[cell.0] else {
            return true; // shown
        };
        // The residual equals what the rest of its sum comes to; it is determined when that
        // combination of the other unknowns is.
        let own = definition.iter().find(|(k, _)| *k == cell.0).map_or(1.0, |(_, v)| *v);
        let mut form = vec![0.0; self.column.len()];
        for &(k, v) in definition {
            if k != cell.0 {
                form[k] -= v / own;
            }
        }
        self.in_row_space(form)
    }

    /// Whether a combination of counts (indexed by cell, shown counts ignored) is fixed by
    /// the sums: residuals in it are replaced by their definitions, then it is reduced
    /// against the core. A residual's definition holds only residuals eliminated after it,
    /// so replacing them oldest first leaves none.
    fn in_row_space(&self, mut form: Vec<f64>) -> bool {
        for residual in &self.order {
            let weight = form[residual.0];
            if weight.abs() < EPSILON {
                continue;
            }
            let definition = self.residuals[residual.0].as_ref().expect("an eliminated residual");
            let own = definition.iter().find(|(k, _)| *k == residual.0).map_or(1.0, |(_, v)| *v);
            for &(k, v) in definition {
                if k != residual.0 {
                    form[k] -= weight * v / own;
                }
            }
            form[residual.0] = 0.0;
        }
        let mut core = vec![0.0; self.columns];
        for (k, v) in form.iter().enumerate() {
            if let Some(j) = self.column[k] {
                core[j] = *v;
            }
        }
        for (row, &p) in self.rows.iter().zip(&self.pivots) {
            let factor = core[p];
            if factor.abs() > EPSILON {
                for (c, r) in core.iter_mut().zip(row) {
                    *c -= factor * r;
                }
            }
        }
        core.iter().all(|v| v.abs() < EPSILON)
    }
}

/// The integer side of the audit: the sums over the unknown counts, each count between 0 and
/// a ceiling above every count of the table, searched for another value of one count.
struct Search {
    /// Position of each unknown count, or None.
    position: Vec<Option<usize>>,
    truth: Vec<i64>,
    /// `Σ coefficient · unknown = constant`.
    equations: Vec<(Vec<(usize, i64)>, i64)>,
    ceiling: i64,
}

/// Search nodes spent on one question before it is answered "pinned": giving up can only
/// hide more.
const SEARCH_BUDGET: usize = 20_000;

impl Search {
    fn of(table: &Table, unknown: &impl Fn(Cell) -> bool) -> Self {
        let mut position = vec![None; table.cells.len()];
        let mut truth = Vec::new();
        for (index, spec) in table.cells.iter().enumerate() {
            if unknown(Cell(index)) {
                position[index] = Some(truth.len());
                truth.push(spec.value);
            }
        }
        let equations = table
            .sums
            .iter()
            .filter_map(|sum| {
                let mut terms = Vec::new();
                let mut constant = 0;
                for member in sum.members() {
                    let coefficient = sum.coefficient(member) as i64;
                    match position[member.0] {
                        Some(i) => terms.push((i, coefficient)),
                        None => constant -= coefficient * table.cells[member.0].value,
                    }
                }
                (!terms.is_empty()).then_some((terms, constant))
            })
            .collect();
        let largest = table.cells.iter().map(|spec| spec.value).max().unwrap_or(0);
        Search { position, truth, equations, ceiling: 2 * largest + 5 }
    }

    /// True when neither one more nor one less is possible for `cell` (or the search ran
    /// out of budget): then it is as good as known.
    fn pinned(&self, cell: Cell) -> bool {
        let Some(i) = self.position[cell.0] else { return true };
        let n = self.truth.len();
        let try_value = |value: i64| {
            if value < 0 || value > self.ceiling {
                return false;
            }
            let (mut lo, mut hi) = (vec![0; n], vec![self.ceiling; n]);
            lo[i] = value;
            hi[i] = value;
            let mut budget = SEARCH_BUDGET;
            self.feasible(lo, hi, &mut budget) == Some(true)
        };
        !(try_value(self.truth[i] + 1) || try_value(self.truth[i] - 1))
    }

    /// Whether some integer point within the bounds satisfies every sum (None when out of
    /// budget): bounds are tightened from each sum until nothing moves, then the narrowest
    /// open count is tried value by value, nearest its true value first.
    fn feasible(&self, mut lo: Vec<i64>, mut hi: Vec<i64>, budget: &mut usize) -> Option<bool> {
        *budget = budget.checked_sub(1)?;
        loop {
            let mut moved = false;
            for (terms, constant) in &self.equations {
                let min: i64 = terms.iter().map(|&(i, c)| if c > 0 { c * lo[i] } else { c * hi[i] }).sum();
                let max: i64 = terms.iter().map(|&(i, c)| if c > 0 { c * hi[i] } else { c * lo[i] }).sum();
                if *constant < min || *constant > max {
                    return Some(false);
                }
                for &(i, c) in terms {
                    // Coefficients are 1 or -1: c·x lies within what the others leave.
                    let own_min = if c > 0 { lo[i] } else { -hi[i] };
                    let own_max = if c > 0 { hi[i] } else { -lo[i] };
                    let (low, high) = (constant - (max - own_max), constant - (min - own_min));
                    let (new_lo, new_hi) = if c > 0 { (low, high) } else { (-high, -low) };
                    if new_lo > lo[i] {
                        lo[i] = new_lo;
                        moved = true;
                    }
                    if new_hi < hi[i] {
                        hi[i] = new_hi;
                        moved = true;
                    }
                    if lo[i] > hi[i] {
                        return Some(false);
                    }
                }
            }
            if !moved {
                break;
            }
        }
        let Some(i) = (0..lo.len()).filter(|&i| lo[i] < hi[i]).min_by_key(|&i| hi[i] - lo[i]) else {
            return Some(true);
        };
        let mut values: Vec<i64> = (lo[i]..=hi[i]).collect();
        values.sort_by_key(|v| (v - self.truth[i]).abs());
        for value in values {
            let (mut lo, mut hi) = (lo.clone(), hi.clone());
            lo[i] = value;
            hi[i] = value;
            if self.feasible(lo, hi, budget)? {
                return Some(true);
            }
        }
        Some(false)
    }
}

/// Gauss-Jordan elimination: the non-zero rows of the reduced row echelon form of `matrix`
/// and their pivot columns.
fn reduce(matrix: &mut [Vec<f64>], columns: usize) -> (Vec<Vec<f64>>, Vec<usize>) {
    let mut pivots = Vec::new();
    let mut rank = 0;
    for col in 0..columns {
        let Some(pivot) = (rank..matrix.len()).find(|&r| matrix[r][col].abs() > EPSILON) else {
            continue;
        };
        matrix.swap(rank, pivot);
        let scale = matrix[rank][col];
        for v in matrix[rank].iter_mut() {
            *v /= scale;
        }
        let pivot_row = matrix[rank].clone();
        for (r, row) in matrix.iter_mut().enumerate() {
            if r != rank && row[col].abs() > EPSILON {
                let factor = row[col];
                for (v, p) in row.iter_mut().zip(&pivot_row) {
                    *v -= factor * p;
                }
            }
        }
        pivots.push(col);
        rank += 1;
    }
    (matrix[..rank].to_vec(), pivots)
}

/// Which categories of a group (languages, stakeholder categories), given as (key, count),
/// are pooled unnamed into one "other, suppressed" count: those below `below`, then the
/// smallest named ones (by count, then key) until the pool is not small itself or
/// everything is pooled, so that no small group of people is singled out by name.
pub fn pool_small_categories<K: Ord>(counts: &[(K, i64)], below: i64) -> Vec<bool> {
    let small = |n: i64| n >= 1 && n < below;
    let mut pooled: Vec<bool> = counts.iter().map(|(_, n)| small(*n)).collect();
    if pooled.contains(&true) {
        let mut pool: i64 = counts.iter().zip(&pooled).filter(|(_, &p)| p).map(|((_, n), _)| n).sum();
        while small(pool) {
            let smallest = (0..counts.len())
                .filter(|&i| !pooled[i] && counts[i].1 > 0)
                .min_by(|&a, &b| counts[a].1.cmp(&counts[b].1).then_with(|| counts[a].0.cmp(&counts[b].0)));
            let Some(next) = smallest else { break };
            pool += counts[next].1;
            pooled[next] = true;
        }
    }
    pooled
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo roundtable: 21 confirmed, 18 online, 3 onsite.
    fn roundtable() -> (Table, Cell, Cell, Cell) {
        let mut table = Table::new();
        let total = table.published(21);
        let online = table.published(18);
        let onsite = table.published(3);
        table.sum(total, &[online, onsite]);
        (table, total, online, onsite)
    }

    #[test]
    fn a_hidden_part_takes_a_sibling_with_it() {
        let (table, total, online, onsite) = roundtable();
        let shown = table.protect(5);
        assert!(shown.is_hidden(onsite));
        assert!(shown.is_hidden(online), "21 - 18 would give the 3 away");
        assert_eq!(shown.show(total), Some(21), "the total stays: hiding a part is enough");
    }

    #[test]
    fn nothing_is_hidden_without_a_threshold_or_small_counts() {
        let (table, _, _, onsite) = roundtable();
        assert!(!table.protect(1).any_hidden());
        assert!(!table.protect(0).any_hidden());
        assert_eq!(table.protect(3).show(onsite), Some(3));
    }

    #[test]
    fn a_small_unpublished_difference_is_protected_too() {
        // 20 of 21 need transport: the one who does not is singled out by 21 - 20.
        let mut table = Table::new();
        let people = table.published(21);
        let transport = table.published(20);
        let without = table.derived(1);
        table.sum(people, &[transport, without]);
        let shown = table.protect(5);
        assert!(shown.is_hidden(transport), "the part is hidden, the headline total stays");
        assert_eq!(shown.show(people), Some(21));
        let large = {
            let mut table = Table::new();
            let people = table.published(21);
            let transport = table.published(10);
            let without = table.derived(11);
            table.sum(people, &[transport, without]);
            table.protect(5)
        };
        assert!(!large.any_hidden());
    }

    #[test]
    fn a_total_is_hidden_when_no_sibling_can_be() {
        // Only one part is shown; its total would give the hidden one away.
        let mut table = Table::new();
        let total = table.published(7);
        let a = table.published(2);
        let b = table.published(0);
        let c = table.published(5);
        table.sum(total, &[a, b, c]);
        let shown = table.protect(5);
        assert!(shown.is_hidden(a));
        assert!(shown.is_hidden(c), "a positive sibling before the total");
        assert!(!shown.is_hidden(b), "zero protects nothing");
        assert_eq!(shown.show(total), Some(7));
    }

    #[test]
    fn linked_sums_are_protected_across_tables() {
        // Modes by attended / no-show with their margins: hiding the online row's small
        // attended count must not be undone through the columns.
        let mut t = Table::new();
        let confirmed = t.published(20);
        let attended = t.published(15);
        let no_show = t.published(5);
        let on_c = t.published(17);
        let on_a = t.published(15);
        let on_n = t.published(2);
        let os_c = t.published(3);
        let os_a = t.published(0);
        let os_n = t.published(3);
        t.sum(confirmed, &[on_c, os_c]);
        t.sum(attended, &[on_a, os_a]);
        t.sum(no_show, &[on_n, os_n]);
        t.sum(on_c, &[on_a, on_n]);
        t.sum(os_c, &[os_a, os_n]);
        let shown = t.protect(5);
        let hidden: Vec<Cell> = [confirmed, attended, no_show, on_c, on_a, on_n, os_c, os_a, os_n]
            .into_iter()
            .filter(|&c| shown.is_hidden(c))
            .collect();
        let unknown = |c: Cell| shown.is_hidden(c);
        let system = System::of(&t, &unknown);
        for cell in hidden {
            assert!(!system.determines(cell), "{cell:?} follows from the shown counts");
        }
    }

    #[test]
    fn determination_is_exact_for_chained_sums() {
        // a + b = shown, b = c + d with c, d shown: b is determined, so a is too.
        let mut t = Table::new();
        let s = t.published(10);
        let a = t.published(4);
        let b = t.published(6);
        let c = t.published(1);
        let d = t.published(5);
        t.sum(s, &[a, b]);
        t.sum(b, &[c, d]);
        let hidden = [false, true, true, false, false];
        let system = System::of(&t, &|cell: Cell| hidden[cell.0]);
        assert!(system.determines(a));
        assert!(system.determines(b));
    }

    #[test]
    fn small_categories_are_pooled_until_the_pool_is_not_small() {
        let counts = [("ar", 2), ("es", 12), ("fr", 1), ("uk", 6)];
        let pooled = pool_small_categories(&counts, 5);
        assert_eq!(
            pooled,
            [true, false, true, true],
            "ar + fr = 3 is small, so uk (the smallest named) joins; es stays named"
        );
        let none = pool_small_categories(&counts, 1);
        assert_eq!(none, [false; 4], "nothing pooled, all four named");
        let enough = pool_small_categories(&[("ar", 3), ("fr", 4), ("es", 9)], 5);
        assert_eq!(enough, [true, true, false], "3 + 4 = 7 needs nothing more");
    }
}
