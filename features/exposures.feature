Feature: Exposures: sitting, driving, kayaking, sport, posture and stress
  Long hours with the hip bent (sitting, driving, kayaking), sports and training that load hip
  flexion, postures that shorten the psoas, and stress are described as causes of a tight or
  overworked psoas. An exposure alone adds a little; with pain where the psoas is felt it adds
  more. An exposure alone never makes the psoas likely. These links rest only on the source
  documents' claims (evidence grade source-claim), so each weighs at most 3 points (issue 25):
  a sport with one pain stays unlikely, and a psoas sign is what makes it possible.

  Scenario Outline: An exposure on its own adds only a little
    Given a person reporting <exposure>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And the psoas score is <score>
    And psoas involvement is "unlikely"
    And the triage level is "self-care"
    And no physiotherapist is recommended

    Examples:
      | exposure                         | rule                                                | score |
      | long periods of sitting | Long periods in a seated, hip-flexed position | 2 |
      | long drives                      | athletic_overload_exposure                          | 2     |
      | kayaking or canoeing | sitting_type_exposure | 2 |
      | running                          | Sport, training or driving that repeatedly loads hip flexion | 2     |
      | dancing                          | athletic_overload_exposure                          | 2     |
      | cycling                          | athletic_overload_exposure                          | 2     |
      | sleeping curled up | Habitual postures that shorten the psoas | 2 |
      | high heels or sway-back standing | tightening_posture_exposure | 2 |
      | poor posture | tightening_posture_exposure | 2 |

  Scenario Outline: Sitting-type exposures and postures with back or hip pain
    Given a person reporting <exposure> and <pain>
    When the symptoms are assessed
    Then the finding "<combination>" is noted
    And the psoas score is <score>
    And psoas involvement is "unlikely"

    Examples:
      | exposure                         | pain               | combination                                             | score |
      | long periods of sitting | low back pain | Prolonged sitting with low back or hip pain | 9 |
      | poor posture | low back pain | Poor posture with low back or hip pain | 8 |
      | long drives | front of hip pain | Long drives with low back or front-of-hip pain | 15 |
      | kayaking or canoeing | low back stiffness | Kayaking or canoeing with low back or front-of-hip pain | 8 |
      | sleeping curled up | low back pain | Curled-up sleeping with low back or front-of-hip pain | 9 |
      | high heels or sway-back standing | low back pain      | Sway-back standing or high heels with low back pain     | 9    |

  Scenario: Sitting all day and then training
    Given a person reporting long periods of sitting and running
    When the symptoms are assessed
    Then the finding "Long sitting followed by physical activity" is noted
    And the psoas score is 5
    And psoas involvement is "unlikely"

  Scenario Outline: Sport or training with groin, hip or front-of-hip pain
    Given a person reporting <sport> and <pain>
    When the symptoms are assessed
    Then the finding "<combination>" is noted
    And the psoas score is <score>
    And psoas involvement is "<band>"

    Examples:
      | sport                                 | pain              | combination                                                            | score | band     |
      | running                               | groin pain        | Running with groin, hip or front-of-hip pain, or a snapping hip        | 17    | unlikely |
      | dancing | snapping hip | Dancing with groin, hip or front-of-hip pain, or a snapping hip | 15 | unlikely |
      | jumping sports                        | hip pain          | Jumping sports with groin, hip or front-of-hip pain, or a snapping hip | 11    | unlikely |
      | soccer                                | groin pain        | Kicking sports with groin, hip or front-of-hip pain                    | 17    | unlikely |
      | cycling                               | front of hip pain | Cycling with front-of-hip, hip, groin or low back pain                 | 15    | unlikely |
      | repeated hip-flexion or jump training | groin pain        | Repeated hip-flexion or jump training with groin, hip or low back pain | 17    | unlikely |

  Scenario: A driver with back and front-of-hip pain gets advice about long drives
    Given a person reporting long drives, low back pain and tight hip flexors
    And the pain started 5 days ago
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then psoas involvement is "possible"
    And the psoas score is 29
    And the self-care advice includes "On long drives, let the legs move"
    And the triage level is "self-care"

  Scenario: Advice about long drives is only for drivers
    Given a person reporting long periods of sitting, low back pain and tight hip flexors
    When the symptoms are assessed
    Then psoas involvement is "possible"
    And the self-care advice does not include "On long drives, let the legs move"
    And the self-care advice includes "Change posture often"
