// SPDX-License-Identifier: GPL-2.0

//! Tests of `vhost_vdpa/logic/status.rs` (contract B.7).

use crate::logic::status::{set_status_action, Action};
use crate::logic::uapi::{S_ACKNOWLEDGE, S_DRIVER, S_DRIVER_OK, S_FAILED, S_FEATURES_OK};
use crate::logic::Errno;

const UP: u8 = S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK;

#[test]
fn zero_is_reset() {
    assert_eq!(
        set_status_action(0, 0),
        Ok(Action::Reset {
            leaves_driver_ok: false
        })
    );
    assert_eq!(
        set_status_action(UP, 0),
        Ok(Action::Reset {
            leaves_driver_ok: false
        })
    );
    assert_eq!(
        set_status_action(UP | S_DRIVER_OK, 0),
        Ok(Action::Reset {
            leaves_driver_ok: true
        })
    );
}

#[test]
fn clearing_a_bit_is_einval() {
    assert_eq!(set_status_action(UP, S_ACKNOWLEDGE), Err(Errno::EINVAL));
    assert_eq!(set_status_action(UP | S_DRIVER_OK, UP), Err(Errno::EINVAL));
    assert_eq!(
        set_status_action(S_FAILED, S_ACKNOWLEDGE),
        Err(Errno::EINVAL)
    );
}

#[test]
fn adding_bits_is_forwarded_in_any_order() {
    assert_eq!(
        set_status_action(0, S_ACKNOWLEDGE),
        Ok(Action::Forward {
            enters_driver_ok: false,
            leaves_driver_ok: false
        })
    );
    // DRIVER_OK without FEATURES_OK is forwarded.
    assert_eq!(
        set_status_action(S_ACKNOWLEDGE, S_ACKNOWLEDGE | S_DRIVER_OK),
        Ok(Action::Forward {
            enters_driver_ok: true,
            leaves_driver_ok: false
        })
    );
    assert_eq!(
        set_status_action(UP, UP | S_DRIVER_OK),
        Ok(Action::Forward {
            enters_driver_ok: true,
            leaves_driver_ok: false
        })
    );
}

#[test]
fn same_value_again_is_allowed() {
    let s = UP | S_DRIVER_OK;
    assert_eq!(
        set_status_action(s, s),
        Ok(Action::Forward {
            enters_driver_ok: false,
            leaves_driver_ok: false
        })
    );
}

#[test]
fn exhaustive_against_rule() {
    for cur in 0..=255u8 {
        for new in 0..=255u8 {
            let got = set_status_action(cur, new);
            if new == 0 {
                assert_eq!(
                    got,
                    Ok(Action::Reset {
                        leaves_driver_ok: cur & 4 != 0
                    })
                );
            } else if cur & !new != 0 {
                assert_eq!(got, Err(Errno::EINVAL), "{cur:#x} -> {new:#x}");
            } else {
                let enters = new & 4 != 0 && cur & 4 == 0;
                assert_eq!(
                    got,
                    Ok(Action::Forward {
                        enters_driver_ok: enters,
                        leaves_driver_ok: false
                    })
                );
            }
        }
    }
}
