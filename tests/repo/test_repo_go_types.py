"""Go method calls on variables whose type the syntax fixes resolve like receiver calls; calls into the standard
library leave no question unaskable; everything that needs more than the syntax stays unresolved."""

from __future__ import annotations

from locogym.scenarios.repo.index import CodeIndex

SHOP = """package shop

import (
	"strings"
	"testing"
	str "strconv"
)

type Cart struct{ items []int }

type Pricer interface{ Price() int }

type Wrapped struct{ *Cart }

var Default = NewCart()
var Shared *Cart

func NewCart() *Cart { return &Cart{} }

func (c *Cart) Total() int { return len(c.items) }

func (c *Cart) Price() int { return c.Total() }

func Checkout(c *Cart, p Pricer, w Wrapped, t *testing.T) int {
	local := &Cart{}
	made := NewCart()
	var plain Cart
	fresh := new(Cart)
	t.Log(strings.ToUpper("x"), str.Itoa(1))
	return c.Total() + local.Total() + made.Total() + plain.Total() + fresh.Total() + Default.Total() +
		Shared.Total() + p.Price() + w.Total()
}

func Twice() int {
	x := &Cart{}
	if true {
		x := Wrapped{}
		_ = x
	}
	return x.Total()
}
"""


def _calls(caller: str) -> tuple[list[str], list[str]]:
    index = CodeIndex.build({"shop/shop.go": SHOP}, use_cache=False)
    return [t for t, _, _ in index.calls.get(caller, [])], index.unresolved_by_caller.get(caller, [])


def test_typed_parameters_locals_and_package_vars_reach_the_types_own_method() -> None:
    resolved, unresolved = _calls("shop/shop.go::Checkout")
    assert resolved.count("shop/shop.go::Cart.Total") == 7  # c, local, made, plain, fresh, Default, Shared
    assert "shop/shop.go::NewCart" in resolved
    # an interface's method and a promoted one need more than the syntax
    assert sorted(e for e in unresolved if "." in e) == ["p.Price", "w.Total"]


def test_standard_library_calls_are_neither_resolved_nor_left_open() -> None:
    _, unresolved = _calls("shop/shop.go::Checkout")
    assert not any(e.startswith(("t.", "strings.", "str.")) for e in unresolved)


def test_a_name_declared_twice_in_a_function_gets_no_type() -> None:
    resolved, unresolved = _calls("shop/shop.go::Twice")
    assert unresolved == ["x.Total"] and resolved == []
