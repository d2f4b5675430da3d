//! The migration graph: migrations as nodes, dependencies as edges, across apps. Built once per command;
//! it finds missing dependencies, cycles and apps with two leaves, and orders plans.

use super::file::{Migration, MigrationKey};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The migrations do not form a graph, or a plan names what it does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// Two migrations have the same app and name.
    Duplicate(MigrationKey),
    /// A migration depends on one that does not exist.
    MissingDependency {
        /// The migration.
        migration: MigrationKey,
        /// What it depends on.
        dependency: MigrationKey,
    },
    /// Migrations depend on each other in a cycle, listed in order.
    Cycle(Vec<MigrationKey>),
    /// No migration has this key.
    UnknownMigration(MigrationKey),
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Duplicate(key) => write!(f, "migration {key} exists twice"),
            GraphError::MissingDependency { migration, dependency } => {
                write!(f, "migration {migration} depends on {dependency}, which does not exist")
            }
            GraphError::Cycle(path) => {
                let path: Vec<String> = path.iter().map(ToString::to_string).collect();
                write!(f, "migrations depend on each other in a cycle: {}", path.join(" -> "))
            }
            GraphError::UnknownMigration(key) => write!(f, "there is no migration {key}"),
        }
    }
}

impl std::error::Error for GraphError {}

/// "conflicting migrations, more than one leaf in: app (a, b); run makemigrations --merge".
pub fn describe_conflicts(conflicts: &BTreeMap<String, Vec<MigrationKey>>) -> String {
    let apps: Vec<String> = conflicts
        .iter()
        .map(|(app, leaves)| {
            let names: Vec<&str> = leaves.iter().map(|key| key.name.as_str()).collect();
            format!("{app} ({})", names.join(", "))
        })
        .collect();
    format!("conflicting migrations, more than one leaf in: {}; run makemigrations --merge", apps.join("; "))
}

/// Every migration of every app, with its dependencies, built once per command.
pub struct MigrationGraph {
    nodes: BTreeMap<MigrationKey, Migration>,
    parents: BTreeMap<MigrationKey, BTreeSet<MigrationKey>>,
    children: BTreeMap<MigrationKey, BTreeSet<MigrationKey>>,
}

impl MigrationGraph {
    /// The graph of `migrations`. A squashed migration stands in for those it replaces when all or none of
    /// them are applied; when only some are, the originals stay and the squashed one is left out.
    pub fn build(migrations: Vec<Migration>, applied: &BTreeSet<MigrationKey>) -> Result<Self, GraphError> {
        let mut nodes = BTreeMap::new();
        for migration in migrations {
            let key = migration.key();
            if nodes.insert(key.clone(), migration).is_some() {
                return Err(GraphError::Duplicate(key));
            }
        }
        let mut replaced_by: BTreeMap<MigrationKey, MigrationKey> = BTreeMap::new();
        let squashed: Vec<MigrationKey> =
            nodes.values().filter(|migration| !migration.replaces.is_empty()).map(Migration::key).collect();
        for key in squashed {
            let replaces = nodes[&key].replaces.clone();
            let applied_count = replaces.iter().filter(|replaced| applied.contains(*replaced)).count();
            if applied_count == 0 || applied_count == replaces.len() {
                for replaced in &replaces {
                    nodes.remove(replaced);
                    replaced_by.insert(replaced.clone(), key.clone());
                }
            } else {
                nodes.remove(&key);
            }
        }
        let mut parents: BTreeMap<MigrationKey, BTreeSet<MigrationKey>> = BTreeMap::new();
        let mut children: BTreeMap<MigrationKey, BTreeSet<MigrationKey>> = BTreeMap::new();
        for (key, migration) in &nodes {
            parents.entry(key.clone()).or_default();
            children.entry(key.clone()).or_default();
            for dependency in &migration.dependencies {
                let dependency = replaced_by.get(dependency).unwrap_or(dependency);
                if dependency == key {
                    continue; // a squashed migration's own replaced members
                }
                if !nodes.contains_key(dependency) {
                    return Err(GraphError::MissingDependency {
                        migration: key.clone(),
                        dependency: dependency.clone(),
                    });
                }
                parents.entry(key.clone()).or_default().insert(dependency.clone());
                children.entry(dependency.clone()).or_default().insert(key.clone());
            }
        }
        let graph = MigrationGraph { nodes, parents, children };
        graph.check_acyclic()?;
        Ok(graph)
    }

    /// The migration with this key.
    pub fn migration(&self, key: &MigrationKey) -> Option<&Migration> {
        self.nodes.get(key)
    }

    /// Every migration, ordered by key.
    pub fn migrations(&self) -> impl Iterator<Item = &Migration> {
        self.nodes.values()
    }

    /// Every migration, ordered by key, the graph taken apart.
    pub fn into_migrations(self) -> impl Iterator<Item = Migration> {
        self.nodes.into_values()
    }

    /// The apps that have migrations.
    pub fn apps(&self) -> BTreeSet<&str> {
        self.nodes.keys().map(|key| key.app.as_str()).collect()
    }

    /// The migrations of `app` that no other migration of `app` depends on.
    pub fn leaves(&self, app: &str) -> Vec<MigrationKey> {
        self.nodes
            .keys()
            .filter(|key| key.app == app)
            .filter(|key| !self.children[*key].iter().any(|child| child.app == app))
            .cloned()
            .collect()
    }

    /// Apps with more than one leaf: two branches that `makemigrations --merge` must join.
    pub fn conflicts(&self) -> BTreeMap<String, Vec<MigrationKey>> {
        self.apps()
            .into_iter()
            .map(|app| (app.to_owned(), self.leaves(app)))
            .filter(|(_, leaves)| leaves.len() > 1)
            .collect()
    }

    /// Every migration, each after its dependencies; ties broken by key, so the order is stable.
    pub fn ordered(&self) -> Vec<MigrationKey> {
        let mut order = Vec::with_capacity(self.nodes.len());
        let mut seen = BTreeSet::new();
        for key in self.nodes.keys() {
            self.visit_parents(key, &mut seen, &mut order);
        }
        order
    }

    /// `target` and everything it depends on, dependencies first.
    pub fn forwards_plan(&self, target: &MigrationKey) -> Result<Vec<MigrationKey>, GraphError> {
        self.require(target)?;
        let mut order = Vec::new();
        self.visit_parents(target, &mut BTreeSet::new(), &mut order);
        Ok(order)
    }

    /// `target` and everything that depends on it, dependents first: the order to unapply them.
    pub fn backwards_plan(&self, target: &MigrationKey) -> Result<Vec<MigrationKey>, GraphError> {
        self.require(target)?;
        let mut order = Vec::new();
        self.visit_children(target, &mut BTreeSet::new(), &mut order);
        Ok(order)
    }

    fn require(&self, key: &MigrationKey) -> Result<(), GraphError> {
        if self.nodes.contains_key(key) { Ok(()) } else { Err(GraphError::UnknownMigration(key.clone())) }
    }

    fn visit_parents(
        &self,
        key: &MigrationKey,
        seen: &mut BTreeSet<MigrationKey>,
        order: &mut Vec<MigrationKey>,
    ) {
        Self::post_order(&self.parents, key, seen, order);
    }

    fn visit_children(
        &self,
        key: &MigrationKey,
        seen: &mut BTreeSet<MigrationKey>,
        order: &mut Vec<MigrationKey>,
    ) {
        Self::post_order(&self.children, key, seen, order);
    }

    /// Appends `key` after everything `edges` leads to from it, each once. Iterative: a long chain of
    /// migrations must not overflow the stack.
    fn post_order(
        edges: &BTreeMap<MigrationKey, BTreeSet<MigrationKey>>,
        key: &MigrationKey,
        seen: &mut BTreeSet<MigrationKey>,
        order: &mut Vec<MigrationKey>,
    ) {
        let mut stack = vec![(key.clone(), false)];
        while let Some((node, expanded)) = stack.pop() {
            if expanded {
                order.push(node);
                continue;
            }
            if !seen.insert(node.clone()) {
                continue;
            }
            stack.push((node.clone(), true));
            for next in edges[&node].iter().rev() {
                if !seen.contains(next) {
                    stack.push((next.clone(), false));
                }
            }
        }
    }

    fn check_acyclic(&self) -> Result<(), GraphError> {
        // Kahn's algorithm; whatever is left over lies on or behind a cycle.
        let mut waiting: BTreeMap<&MigrationKey, usize> =
            self.parents.iter().map(|(key, p)| (key, p.len())).collect();
        let mut ready: Vec<&MigrationKey> =
            waiting.iter().filter(|(_, count)| **count == 0).map(|(key, _)| *key).collect();
        while let Some(key) = ready.pop() {
            waiting.remove(key);
            for child in &self.children[key] {
                if let Some(count) = waiting.get_mut(child) {
                    *count -= 1;
                    if *count == 0 {
                        ready.push(child);
                    }
                }
            }
        }
        let Some(start) = waiting.keys().next().copied() else { return Ok(()) };
        // Walk parents that are still waiting until a node repeats: that loop is the cycle.
        let mut path = vec![start.clone()];
        let mut current = start;
        loop {
            let next = self.parents[current].iter().find(|parent| waiting.contains_key(*parent));
            let Some(next) = next else { break };
            if let Some(position) = path.iter().position(|key| key == next) {
                let mut cycle = path[position..].to_vec();
                cycle.reverse();
                cycle.push(cycle[0].clone());
                return Err(GraphError::Cycle(cycle));
            }
            path.push(next.clone());
            current = next;
        }
        Err(GraphError::Cycle(path))
    }
}
