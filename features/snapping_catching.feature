Feature: Hip snapping and groin catching
  A snap or click at the front of the hip when the leg straightens, or something catching or
  slipping in the groin with the knee bent, is described as the psoas tendon flicking over the
  bone (internal snapping hip). With groin pain it is a psoas-specific sign, though not "likely" on its own.

  Scenario Outline: Snapping or catching on its own
    Given a person reporting <finding>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And the psoas score is <score>
    And psoas involvement is "unlikely"
    And the triage level is "self-care"

    Examples:
      | finding                           | rule                                        | score |
      | snapping hip | Snapping or clicking hip | 10 |
      | clicking hip | hip_snapping | 10 |
      | catching or slipping in the groin | Catching or slipping sensation in the groin | 10 |

  Scenario Outline: Snapping or catching with pain makes the psoas possible or likely
    Given a person reporting <findings>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "<combination>" is noted
    And the psoas score is <score>
    And psoas involvement is "<band>"
    And the triage level is "<level>"
    And a physiotherapist is recommended

    Examples:
      | findings                                           | combination                                | score | band     | level        |
      | groin pain and snapping hip | Groin pain with a snapping hip | 32 | possible | self-care |
      | snapping hip and catching or slipping in the groin | Snapping hip with groin catching | 25 | possible | self-care |
      | catching or slipping in the groin and groin pain | Groin catching with groin pain | 30 | possible | self-care |
      | snapping hip and hip pain | Snapping hip with hip or front-of-hip pain | 21 | possible | self-care |
      | popping hip and anterior hip pain | hip_snapping_with_hip_pain | 25 | possible | self-care |

  Scenario: Snapping, catching and groin pain together
    Given a person reporting snapping hip, catching or slipping in the groin and groin pain
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And the psoas score is 55
    And the triage level is "consultation"
    And a chiropractor is recommended
    And a massage therapist is recommended
    And the advice on what to avoid includes "Avoid full squats"
