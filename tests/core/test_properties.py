"""The engine's laws, on random graphs from micrograd.testing: backward() agrees with
central differences, is linear, sums over fan-out, ignores the order leaves were made
in, accumulates into leaves across calls, and records nothing under no_grad."""

from hypothesis import given
from hypothesis import strategies as st

from micrograd.testing import (
    assert_backward_matches_numeric,
    assert_backward_twice_doubles,
    assert_fan_out_sums,
    assert_leaf_order_invariant,
    assert_linearity,
    assert_no_grad_records_nothing,
    programs,
)

coefficients = st.floats(-3.0, 3.0, allow_nan=False)


@given(programs())
def test_backward_agrees_with_central_differences(program):
    assert_backward_matches_numeric(program)


@given(programs(max_leaves=6, max_ops=24, max_depth=10))
def test_backward_agrees_with_central_differences_on_larger_graphs(program):
    assert_backward_matches_numeric(program)


@given(programs(avoid_kinks=False))
def test_backward_agrees_with_central_differences_except_exactly_at_kinks(program):
    assert_backward_matches_numeric(program, allow_kinks=True)


@given(st.data(), coefficients, coefficients)
def test_the_gradient_of_a_f_plus_b_g_is_a_grad_f_plus_b_grad_g(data, a, b):
    f = data.draw(programs(avoid_kinks=False), label="f")
    g = data.draw(programs(inputs=f.inputs, avoid_kinks=False), label="g")
    assert_linearity(f, g, a, b)


@given(st.data())
def test_the_order_leaves_were_created_in_changes_nothing(data):
    program = data.draw(programs(avoid_kinks=False), label="program")
    assert_leaf_order_invariant(program, data.draw(st.permutations(range(program.n_leaves)), label="order"))


@given(programs(avoid_kinks=False))
def test_a_value_used_many_times_gets_the_sum_over_its_uses(program):
    assert_fan_out_sums(program)


@given(programs(avoid_kinks=False))
def test_backward_twice_doubles_leaf_gradients(program):
    assert_backward_twice_doubles(program)


@given(programs(avoid_kinks=False))
def test_no_grad_records_nothing(program):
    assert_no_grad_records_nothing(program)
