//! A template's source with a memory check around every operator that can build a large value
//! and every loop.
//!
//! minijinja has no hook on its operators: `~` and `+` join strings of any size, and `*` repeats a
//! sequence without a bound, so `{% set ns.s = ns.s ~ ns.s %}` in a loop doubles a string until
//! the machine runs out of memory. Each such operator is rewritten into the same operator over
//! checked operands, `__riposte_left(a) ~ __riposte_concat(b)`: the left operand is set aside on
//! the render's stack, and the right one's function predicts the size of the result from both
//! and refuses it before minijinja builds it (see `budget.rs`). The operator itself is still
//! minijinja's, so its semantics (coercions, lazy sequence concatenation, errors) are unchanged.
//! A loop's iterable is wrapped so that each step checks what the render holds: a loop that
//! writes literal text into a `{% set %}` block grows memory without any operator.
//!
//! Positions come from the tokens, not from the syntax tree's operand spans (a filter's span
//! starts at its name): an operation's span covers both operands, and its operator is the last
//! token of its kind outside brackets within that span, since operators of one precedence level
//! associate to the left.

use minijinja::machinery::{self, Span, Token, ast};
use minijinja::syntax::SyntaxConfig;

/// The prefix of the functions the rewrite calls; a template may not use it itself.
pub(crate) const RESERVED: &str = "__riposte_";
pub(crate) const LEFT: &str = "__riposte_left";
pub(crate) const CONCAT: &str = "__riposte_concat";
pub(crate) const ADD: &str = "__riposte_add";
pub(crate) const MUL: &str = "__riposte_mul";
pub(crate) const EACH: &str = "__riposte_each";

/// Text to insert at an offset. At one offset, closing parentheses go first (they end what came
/// before), then openings, the widest first (it encloses the others).
struct Insert {
    at: u32,
    /// 0 for a closing parenthesis; for an opening, how far its wrapper reaches, negated.
    order: i64,
    text: String,
}

/// A source with its checks, and where they were inserted, to point errors at what the user wrote.
pub(crate) struct Guarded {
    pub(crate) source: String,
    /// Offset in the user's source and length of each insert, in order.
    inserted: Vec<(usize, usize)>,
}

impl Guarded {
    /// The offset in the user's source of `offset` in the rewritten one.
    pub(crate) fn original(&self, offset: usize) -> usize {
        let mut shift = 0;
        for &(at, len) in &self.inserted {
            if offset < at + shift {
                break;
            }
            if offset < at + shift + len {
                return at;
            }
            shift += len;
        }
        offset - shift
    }
}

/// The source rewritten with its checks, or None when nothing in it needs one. A source that
/// does not parse is given back unchanged, for minijinja to report the error as the user wrote it.
pub(crate) fn guarded(source: &str) -> Option<Guarded> {
    let tree = machinery::parse(source, "<template>", SyntaxConfig::default()).ok()?;
    let tokens: Vec<(Token<'_>, Span)> =
        machinery::tokenize(source, false, SyntaxConfig::default()).collect::<Result<_, _>>().ok()?;
    let mut rewriter = Rewriter { tokens: &tokens, inserts: Vec::new() };
    rewriter.stmt(&tree);
    if rewriter.inserts.is_empty() {
        return None;
    }
    let mut inserts = rewriter.inserts;
    inserts.sort_by_key(|i| (i.at, i.order));
    let mut out = String::with_capacity(source.len() + inserts.iter().map(|i| i.text.len()).sum::<usize>());
    let mut copied = 0;
    let mut inserted = Vec::with_capacity(inserts.len());
    for insert in inserts {
        let at = insert.at as usize;
        out.push_str(&source[copied..at]);
        out.push_str(&insert.text);
        inserted.push((at, insert.text.len()));
        copied = at;
    }
    out.push_str(&source[copied..]);
    Some(Guarded { source: out, inserted })
}

struct Rewriter<'t, 's> {
    tokens: &'t [(Token<'s>, Span)],
    inserts: Vec<Insert>,
}

impl Rewriter<'_, '_> {
    /// Wraps the source between `start` and `end` in a call to `function`.
    fn wrap(&mut self, function: &str, start: u32, end: u32) {
        self.inserts.push(Insert { at: start, order: -i64::from(end), text: format!("{function}(") });
        self.inserts.push(Insert { at: end, order: 0, text: ")".to_string() });
    }

    fn operation(&mut self, op: &ast::BinOp<'_>, span: Span) {
        let (function, wanted) = match op.op {
            ast::BinOpKind::Concat => (CONCAT, Token::Tilde),
            ast::BinOpKind::Add if !is_number(&op.left) && !is_number(&op.right) => (ADD, Token::Plus),
            ast::BinOpKind::Mul if !(is_number(&op.left) && is_number(&op.right)) => (MUL, Token::Mul),
            _ => return,
        };
        let Some(operator) = self.last_outside_brackets(span, &wanted) else { return };
        self.wrap(LEFT, span.start_offset, operator.start_offset);
        self.wrap(function, operator.end_offset, span.end_offset);
    }

    /// The last token equal to `wanted` within `span`, outside any bracket opened within it.
    fn last_outside_brackets(&self, span: Span, wanted: &Token<'_>) -> Option<Span> {
        let mut depth = 0i32;
        let mut found = None;
        for (token, at) in self.within(span.start_offset, span.end_offset) {
            if depth == 0 && std::mem::discriminant(token) == std::mem::discriminant(wanted) {
                found = Some(*at);
            }
            depth += nesting(token);
        }
        found
    }

    /// A loop's iterable: the tokens after the first `in` outside brackets, up to its filter
    /// (`if`), `recursive` or the end of the tag.
    fn loop_iterable(&mut self, span: Span) {
        let mut depth = 0i32;
        let mut start = None;
        let mut end = None;
        for (token, at) in self.within(span.start_offset, span.end_offset) {
            let outside = depth == 0;
            depth += nesting(token);
            let closes = matches!(token, Token::BlockEnd)
                || (outside && matches!(token, Token::Ident("if" | "recursive")) && start.is_some());
            if closes {
                break;
            }
            match start {
                None if outside && matches!(token, Token::Ident("in")) => start = Some(None),
                Some(None) => start = Some(Some(at.start_offset)),
                _ => {}
            }
            if matches!(start, Some(Some(_))) {
                end = Some(at.end_offset);
            }
        }
        if let (Some(Some(start)), Some(end)) = (start, end) {
            self.wrap(EACH, start, end);
        }
    }

    fn within(&self, start: u32, end: u32) -> impl Iterator<Item = &(Token<'_>, Span)> {
        let first = self.tokens.partition_point(|(_, at)| at.start_offset < start);
        self.tokens[first..].iter().take_while(move |(_, at)| at.end_offset <= end)
    }

    fn stmts(&mut self, stmts: &[ast::Stmt<'_>]) {
        stmts.iter().for_each(|s| self.stmt(s));
    }

    fn stmt(&mut self, stmt: &ast::Stmt<'_>) {
        use ast::Stmt;
        match stmt {
            Stmt::Template(t) => self.stmts(&t.children),
            Stmt::EmitExpr(e) => self.expr(&e.expr),
            Stmt::EmitRaw(_) | Stmt::Continue(_) | Stmt::Break(_) => {}
            Stmt::ForLoop(f) => {
                self.loop_iterable(f.span());
                self.expr(&f.target);
                self.expr(&f.iter);
                f.filter_expr.iter().for_each(|e| self.expr(e));
                self.stmts(&f.body);
                self.stmts(&f.else_body);
            }
            Stmt::IfCond(i) => {
                self.expr(&i.expr);
                self.stmts(&i.true_body);
                self.stmts(&i.false_body);
            }
            Stmt::WithBlock(w) => {
                for (target, value) in &w.assignments {
                    self.expr(target);
                    self.expr(value);
                }
                self.stmts(&w.body);
            }
            Stmt::Set(s) => {
                self.expr(&s.target);
                self.expr(&s.expr);
            }
            Stmt::SetBlock(s) => {
                self.expr(&s.target);
                s.filter.iter().for_each(|e| self.expr(e));
                self.stmts(&s.body);
            }
            Stmt::AutoEscape(a) => {
                self.expr(&a.enabled);
                self.stmts(&a.body);
            }
            Stmt::FilterBlock(f) => {
                self.expr(&f.filter);
                self.stmts(&f.body);
            }
            Stmt::Block(b) => self.stmts(&b.body),
            Stmt::Import(i) => {
                self.expr(&i.expr);
                self.expr(&i.name);
            }
            Stmt::FromImport(i) => {
                self.expr(&i.expr);
                for (name, alias) in &i.names {
                    self.expr(name);
                    alias.iter().for_each(|e| self.expr(e));
                }
            }
            Stmt::Extends(e) => self.expr(&e.name),
            Stmt::Include(i) => self.expr(&i.name),
            Stmt::Macro(m) => self.macro_decl(m),
            Stmt::CallBlock(c) => {
                self.call(&c.call);
                self.macro_decl(&c.macro_decl);
            }
            Stmt::Do(d) => self.call(&d.call),
        }
    }

    fn macro_decl(&mut self, m: &ast::Macro<'_>) {
        m.args.iter().chain(&m.defaults).for_each(|e| self.expr(e));
        self.stmts(&m.body);
    }

    fn call(&mut self, call: &ast::Call<'_>) {
        self.expr(&call.expr);
        self.args(&call.args);
    }

    fn args(&mut self, args: &[ast::CallArg<'_>]) {
        for arg in args {
            match arg {
                ast::CallArg::Pos(e)
                | ast::CallArg::Kwarg(_, e)
                | ast::CallArg::PosSplat(e)
                | ast::CallArg::KwargSplat(e) => self.expr(e),
            }
        }
    }

    fn expr(&mut self, expr: &ast::Expr<'_>) {
        use ast::Expr;
        match expr {
            Expr::Var(_) | Expr::Const(_) => {}
            Expr::Slice(s) => {
                self.expr(&s.expr);
                [&s.start, &s.stop, &s.step].into_iter().flatten().for_each(|e| self.expr(e));
            }
            Expr::UnaryOp(u) => self.expr(&u.expr),
            Expr::BinOp(b) => {
                self.operation(b, b.span());
                self.expr(&b.left);
                self.expr(&b.right);
            }
            Expr::Compare(c) => {
                self.expr(&c.expr);
                c.ops.iter().for_each(|op| self.expr(&op.expr));
            }
            Expr::IfExpr(i) => {
                self.expr(&i.test_expr);
                self.expr(&i.true_expr);
                i.false_expr.iter().for_each(|e| self.expr(e));
            }
            Expr::Filter(f) => {
                f.expr.iter().for_each(|e| self.expr(e));
                self.args(&f.args);
            }
            Expr::Test(t) => {
                self.expr(&t.expr);
                self.args(&t.args);
            }
            Expr::GetAttr(g) => self.expr(&g.expr),
            Expr::GetItem(g) => {
                self.expr(&g.expr);
                self.expr(&g.subscript_expr);
            }
            Expr::Call(c) => self.call(c),
            Expr::List(l) => l.items.iter().for_each(|e| self.expr(e)),
            Expr::Tuple(t) => t.items.iter().for_each(|e| self.expr(e)),
            Expr::Map(m) => m.keys.iter().chain(&m.values).for_each(|e| self.expr(e)),
        }
    }
}

/// How a token changes the depth of brackets: 1 for an opening one, -1 for a closing one.
fn nesting(token: &Token<'_>) -> i32 {
    match token {
        Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => 1,
        Token::ParenClose | Token::BracketClose | Token::BraceClose => -1,
        _ => 0,
    }
}

/// A number written in the template: `x + 1` cannot build anything large.
fn is_number(expr: &ast::Expr<'_>) -> bool {
    matches!(expr, ast::Expr::Const(c) if c.value.is_number())
}

#[cfg(test)]
mod tests {
    use super::guarded;

    fn rewritten(source: &str) -> Option<String> {
        guarded(source).map(|g| g.source)
    }

    #[test]
    fn operators_get_checked_operands() {
        assert_eq!(rewritten("{{ a ~ b }}").unwrap(), "{{ __riposte_left(a )~__riposte_concat( b) }}");
        assert_eq!(
            rewritten("{{ (a ~ b)|upper ~ c }}").unwrap(),
            "{{ __riposte_left((__riposte_left(a )~__riposte_concat( b))|upper )~__riposte_concat( c) }}"
        );
        assert_eq!(
            rewritten("{{ a~b*c }}").unwrap(),
            "{{ __riposte_left(a)~__riposte_concat(__riposte_left(b)*__riposte_mul(c)) }}"
        );
        assert_eq!(rewritten("{{ x + 1 }}{{ 2 * 3 }}{{ a - b }}"), None);
        assert_eq!(rewritten("{{ f(a ~ b, [c + d]) }}").unwrap().matches("__riposte_left(").count(), 2);
    }

    #[test]
    fn loops_get_a_checked_iterable() {
        assert_eq!(
            rewritten("{% for k, v in d|items if v recursive %}{% endfor %}").unwrap(),
            "{% for k, v in __riposte_each(d|items) if v recursive %}{% endfor %}"
        );
        assert_eq!(
            rewritten("{% for x in (a if b else c) %}{{ x }}{% endfor %}").unwrap(),
            "{% for x in __riposte_each((a if b else c)) %}{{ x }}{% endfor %}"
        );
    }

    #[test]
    fn errors_point_at_what_the_user_wrote() {
        let guarded = guarded("{{ a ~ b }}").unwrap();
        let b = guarded.source.find("b)").unwrap();
        assert_eq!(guarded.original(b), "{{ a ~ b }}".find('b').unwrap());
        assert_eq!(guarded.original(3), 3);
        assert_eq!(guarded.original(guarded.source.len()), "{{ a ~ b }}".len());
    }

    #[test]
    fn text_without_operators_or_loops_is_left_alone() {
        assert_eq!(rewritten("plain {{ node.1['a'] }} text"), None);
        assert_eq!(rewritten("{{ unclosed"), None);
    }
}
