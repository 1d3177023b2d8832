Feature: Groin pain
  The psoas runs down through the pelvis to the inner thigh, so groin pain is one of its most
  typical signs. Groin pain weighs more when it comes with low back pain or with weak or painful
  lifting of the thigh (active hip flexion).

  Scenario: Groin pain on its own
    Given a person reporting groin pain
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "Groin pain" is noted
    And the psoas score is 12
    And psoas involvement is "unlikely"
    And the triage level is "self-care"

  Scenario Outline: Groin pain with back pain or with trouble lifting the thigh
    Given a person reporting groin pain and <other>
    When the symptoms are assessed
    Then the finding "<combination>" is noted
    And the psoas score is <score>
    And psoas involvement is "possible"
    And a physiotherapist is recommended
    And self-care advice is offered

    Examples:
      | other                                  | combination                                 | score |
      | low back pain | Groin pain together with low back pain | 22 |
      | pain where the spine meets the buttock | Groin pain together with low back pain      | 26    |
      | pain in a band beside the lower spine  | Groin pain together with low back pain      | 28    |
      | weakness lifting the thigh             | Groin pain with weak or painful hip flexion | 30    |
      | pain when lifting the leg | Groin pain with weak or painful hip flexion | 32 |

  Scenario: Groin pain, back pain and painful leg lifting together make the psoas likely
    Given a person reporting groin pain, pain when lifting the leg and low back pain
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And the triage level is "consultation"
    And a physiotherapist is recommended
    And an osteopathic physician is recommended

  Scenario: The worked example: groin pain and a snapping hip for three weeks
    Given a person reporting groin pain and hip snapping
    And the pain started 3 weeks ago
    And the pain is 6 out of 10
    When the symptoms are assessed
    Then psoas involvement is "possible"
    And the psoas score is 32
    And the triage level is "consultation"
    And a physiotherapist is recommended
    And a doctor is recommended
    And the reason to see a doctor mentions "more than a week"
    And the advice cites the source "Psoas - Get To Know Your Muscles"
    And the result says it is not a diagnosis
