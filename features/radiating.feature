Feature: Pain that spreads down the leg: to the knee, or past it
  A psoas problem can send pain down the front of the thigh as far as the knee. Pain that goes
  past the knee, or comes with numbness or tingling, fits an irritated spinal nerve root better
  than the psoas: it lowers the psoas score, raises nerve-root irritation as another cause, and
  always deserves a professional's look.

  Scenario Outline: Pain to the knee counts towards the psoas
    Given a person reporting <findings>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And the psoas score is <score>
    And psoas involvement is "<band>"
    And the triage level is "self-care"

    Examples:
      | findings                                          | rule                                                            | score | band     |
      | pain spreading down to the knee                   | Pain radiating down to the knee                                 | 8     | unlikely |
      | pain spreading down to the knee and low back pain | Pain radiating to the knee from the back, buttock, hip or groin | 18 | unlikely |
      | pain spreading down to the knee and groin pain    | knee_radiation_with_proximal_pain                               | 26    | possible |

  Scenario Outline: Pain past the knee or a numb leg points away from the psoas
    Given a person reporting <findings>
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And the psoas score is 0
    And psoas involvement is "unlikely"
    And the triage level is "consultation"
    And "Irritation of a spinal nerve root (sciatica-type pain)" is raised as another cause to discuss
    And no red flag is raised

    Examples:
      | findings                                                           | rule                                                              |
      | pain travelling below the knee                                     | Pain travelling below the knee                                    |
      | sciatica                                                           | pain_below_knee                                                   |
      | numbness or tingling in the leg                                    | Numbness or tingling in the leg                                   |
      | pins and needles in the leg                                        | leg_numbness_tingling                                             |
      | pain travelling below the knee and numbness or tingling in the leg | Nerve-root pattern: pain below the knee with numbness or tingling |

  Scenario: A nerve-root pattern lowers a strong psoas picture but never the triage level
    Given a person reporting groin pain, snapping hip, pain when lifting the leg and low back pain
    When the symptoms are assessed
    Then the psoas score is 70
    And the triage level is "consultation"
    And adding pain travelling below the knee and numbness or tingling in the leg does not lower the triage level

  Scenario: A strong psoas picture with a nerve-root pattern still needs a consultation
    Given a person reporting groin pain, snapping hip, pain when lifting the leg and low back pain
    And the person also reports pain travelling below the knee and a numb leg
    When the symptoms are assessed
    Then the psoas score is 40
    And psoas involvement is "possible"
    And the triage level is "consultation"
    And the finding "nerve_root_pattern" is noted
    And "Irritation of a spinal nerve root (sciatica-type pain)" is raised as another cause to discuss
