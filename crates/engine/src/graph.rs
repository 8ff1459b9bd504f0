//! The shape of a playbook as a graph: node indexes, edges, foreach bodies, reachability.

use std::collections::{HashMap, HashSet, VecDeque};

use riposte_model::{OperatorKind, Playbook};

/// Branch name of a foreach's loop body edges.
pub const LOOP_BRANCH: &str = "loop";

#[derive(Debug, Clone)]
pub struct Edge {
    pub from: usize,
    pub branch: String,
    pub to: usize,
    /// From a foreach into its loop body: taken once per item, in the item's own scope.
    pub is_loop: bool,
}

/// Node ids mapped to dense indexes, and every edge between existing nodes.
#[derive(Debug, Clone)]
pub struct Graph {
    pub ids: Vec<String>,
    pub index: HashMap<String, usize>,
    pub edges: Vec<Edge>,
    /// Edge indexes leaving each node (loop edges included).
    pub outgoing: Vec<Vec<usize>>,
    /// Edge indexes entering each node (loop edges included).
    pub incoming: Vec<Vec<usize>>,
    /// For each node, the innermost foreach whose loop body contains it.
    pub scope: Vec<Option<usize>>,
    pub foreach: Vec<bool>,
}

impl Graph {
    /// Builds the graph; edges to unknown ids are left out (validation reports them).
    pub fn new(playbook: &Playbook) -> Graph {
        let ids: Vec<String> = playbook.nodes.keys().cloned().collect();
        let index: HashMap<String, usize> = ids.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect();
        let mut graph = Graph {
            outgoing: vec![Vec::new(); ids.len()],
            incoming: vec![Vec::new(); ids.len()],
            scope: vec![None; ids.len()],
            foreach: playbook.nodes.values().map(|n| n.operator_kind() == Some(OperatorKind::Foreach)).collect(),
            edges: Vec::new(),
            ids,
            index,
        };
        for (from, node) in playbook.nodes.values().enumerate() {
            let is_foreach = graph.foreach[from];
            let loop_entries = node.loop_entries.iter().flatten().map(|t| (LOOP_BRANCH, t.as_str()));
            let branches = node.outputs.iter().flat_map(|(b, ts)| ts.iter().map(move |t| (b.as_str(), t.as_str())));
            for (branch, target) in branches.chain(loop_entries) {
                if let Some(&to) = graph.index.get(target) {
                    let is_loop = is_foreach && branch == LOOP_BRANCH;
                    graph.add_edge(Edge { from, branch: branch.to_string(), to, is_loop });
                }
            }
        }
        graph.compute_scopes();
        graph
    }

    fn add_edge(&mut self, edge: Edge) {
        let id = self.edges.len();
        self.outgoing[edge.from].push(id);
        self.incoming[edge.to].push(id);
        self.edges.push(edge);
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Nodes reachable from a foreach's loop entries, the foreach itself excluded.
    pub fn loop_body(&self, foreach: usize) -> HashSet<usize> {
        let entries = self.outgoing[foreach].iter().map(|&e| &self.edges[e]).filter(|e| e.is_loop).map(|e| e.to);
        let mut body: HashSet<usize> = HashSet::new();
        let mut queue: VecDeque<usize> = entries.collect();
        while let Some(n) = queue.pop_front() {
            if n == foreach || !body.insert(n) {
                continue;
            }
            queue.extend(self.outgoing[n].iter().map(|&e| self.edges[e].to));
        }
        body
    }

    /// Each node's innermost foreach: the foreach with the smallest body that contains it.
    fn compute_scopes(&mut self) {
        let mut bodies: Vec<(usize, HashSet<usize>)> =
            (0..self.len()).filter(|&n| self.foreach[n]).map(|f| (f, self.loop_body(f))).collect();
        bodies.sort_by_key(|(_, body)| std::cmp::Reverse(body.len()));
        for (foreach, body) in bodies {
            for node in body {
                self.scope[node] = Some(foreach);
            }
        }
    }

    /// The foreaches enclosing `node`, innermost first.
    pub fn enclosing(&self, node: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut current = self.scope[node];
        while let Some(f) = current {
            if out.contains(&f) {
                break;
            }
            out.push(f);
            current = self.scope[f];
        }
        out
    }

    /// Whether `to` can run after `from` finished in the same run: following edges, and from the
    /// end of a loop body to what follows its foreach.
    pub fn may_precede(&self, from: usize, to: usize) -> bool {
        let mut seen = vec![false; self.len()];
        let mut queue = VecDeque::from([from]);
        while let Some(n) = queue.pop_front() {
            for next in self.successors_for_ordering(n) {
                if next == to {
                    return true;
                }
                if !seen[next] {
                    seen[next] = true;
                    queue.push_back(next);
                }
            }
        }
        false
    }

    fn successors_for_ordering(&self, node: usize) -> Vec<usize> {
        let mut next: Vec<usize> = self.outgoing[node].iter().map(|&e| self.edges[e].to).collect();
        for foreach in self.enclosing(node) {
            next.extend(self.outgoing[foreach].iter().map(|&e| &self.edges[e]).filter(|e| !e.is_loop).map(|e| e.to));
        }
        next
    }

    /// A cycle, as a list of node indexes, if the graph has one.
    pub fn find_cycle(&self) -> Option<Vec<usize>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut marks = vec![Mark::New; self.len()];
        for start in 0..self.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // Iterative DFS: (node, next outgoing position); `path` mirrors the open nodes.
            let mut stack = vec![(start, 0usize)];
            marks[start] = Mark::Open;
            while let Some(&mut (node, ref mut pos)) = stack.last_mut() {
                if let Some(&edge) = self.outgoing[node].get(*pos) {
                    *pos += 1;
                    let next = self.edges[edge].to;
                    match marks[next] {
                        Mark::New => {
                            marks[next] = Mark::Open;
                            stack.push((next, 0));
                        }
                        Mark::Open => {
                            let from = stack.iter().position(|&(n, _)| n == next).unwrap_or(0);
                            let mut cycle: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                            cycle.push(next);
                            return Some(cycle);
                        }
                        Mark::Done => {}
                    }
                } else {
                    marks[node] = Mark::Done;
                    stack.pop();
                }
            }
        }
        None
    }
}
