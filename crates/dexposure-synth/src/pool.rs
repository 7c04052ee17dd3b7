//! A weighted pool (Fenwick tree) for preferential attachment: draw an item with probability
//! proportional to its weight, and change weights, both in O(log n).

/// Items `0..len` with non-negative weights.
#[derive(Debug, Clone, Default)]
pub struct WeightedPool {
    tree: Vec<f64>,
    weights: Vec<f64>,
}

impl WeightedPool {
    /// Adds an item with `weight` and returns its index.
    pub fn push(&mut self, weight: f64) -> usize {
        let index = self.weights.len();
        self.weights.push(0.0);
        // Rebuild the new node from its children, then add the weight.
        let node = index + 1;
        let mut sum = 0.0;
        let lowbit = node & node.wrapping_neg();
        let mut child = node - 1;
        let stop = node - lowbit;
        while child > stop {
            sum += self.tree[child - 1];
            child -= child & child.wrapping_neg();
        }
        self.tree.push(sum);
        self.set(index, weight);
        index
    }

    /// Sets the weight of `index` (ignored for an index out of range; negative weights are 0).
    pub fn set(&mut self, index: usize, weight: f64) {
        let Some(old) = self.weights.get_mut(index) else {
            return;
        };
        let weight = weight.max(0.0);
        let delta = weight - *old;
        *old = weight;
        let mut node = index + 1;
        while node <= self.tree.len() {
            self.tree[node - 1] += delta;
            node += node & node.wrapping_neg();
        }
    }

    /// The weight of `index` (0 when out of range).
    pub fn weight(&self, index: usize) -> f64 {
        self.weights.get(index).copied().unwrap_or(0.0)
    }

    /// Sum of all weights.
    pub fn total(&self) -> f64 {
        let mut node = self.tree.len();
        let mut sum = 0.0;
        while node > 0 {
            sum += self.tree[node - 1];
            node -= node & node.wrapping_neg();
        }
        sum
    }

    /// The item whose cumulative weight range contains `u · total` (`u` in [0, 1)); `None`
    /// when every weight is 0.
    pub fn find(&self, u: f64) -> Option<usize> {
        let total = self.total();
        if total <= 0.0 {
            return None;
        }
        let mut target = u * total;
        let mut pos = 0;
        let mut step = self.tree.len().next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= self.tree.len() && self.tree[next - 1] <= target {
                target -= self.tree[next - 1];
                pos = next;
            }
            step >>= 1;
        }
        // Rounding can land on a zero-weight item at the end; step back to a live one.
        let mut index = pos.min(self.weights.len() - 1);
        while self.weights[index] <= 0.0 && index > 0 {
            index -= 1;
        }
        (self.weights[index] > 0.0).then_some(index)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether the pool has no item.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_weights() {
        let mut pool = WeightedPool::default();
        for w in [1.0, 0.0, 3.0, 6.0] {
            pool.push(w);
        }
        assert_eq!(pool.total(), 10.0);
        assert_eq!(pool.find(0.05), Some(0));
        assert_eq!(pool.find(0.15), Some(2));
        assert_eq!(pool.find(0.39), Some(2));
        assert_eq!(pool.find(0.41), Some(3));
        pool.set(3, 0.0);
        assert_eq!(pool.total(), 4.0);
        assert_eq!(pool.find(0.99), Some(2));
        for i in 0..4 {
            pool.set(i, 0.0);
        }
        assert_eq!(pool.find(0.5), None);
        // Agreement with a linear scan on a larger pool.
        let mut pool = WeightedPool::default();
        let weights: Vec<f64> = (0..37).map(|i| ((i * 7) % 5) as f64).collect();
        for w in &weights {
            pool.push(*w);
        }
        let total: f64 = weights.iter().sum();
        for k in 0..200 {
            let u = k as f64 / 200.0;
            let mut target = u * total;
            let expected = weights
                .iter()
                .position(|w| {
                    if target < *w {
                        true
                    } else {
                        target -= w;
                        false
                    }
                })
                .unwrap_or(36);
            assert_eq!(pool.find(u), Some(expected), "u = {u}");
        }
    }
}
