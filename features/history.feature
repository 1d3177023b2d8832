Feature: History: hip replacement, recent surgery, arthritis and bursitis of the hip
  After a total hip replacement the psoas tendon can rub on the new joint; recent surgery, hip
  arthritis and hip bursitis can all lie behind pain in the same area. Each of these calls for a
  consultation, and a doctor is recommended to look at the joint or the operation site.

  Scenario Outline: Each history item on its own calls for a consultation with a doctor
    Given a person reporting <history>
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And the psoas score is <score>
    And the triage level is "consultation"
    And a doctor is recommended
    And the reason to see a doctor mentions "hip replacement, recent surgery, hip arthritis or hip bursitis"
    And no red flag is raised

    Examples:
      | history              | rule                           | score |
      | hip replacement      | Previous total hip replacement | 8     |
      | recent surgery       | Recent surgery                 | 3     |
      | arthritis in the hip | Known arthritis of the hip     | 4     |
      | hip bursitis         | Known bursitis of the hip      | 4     |

  Scenario Outline: Joint conditions are raised as another cause
    Given a person reporting <history> and hip pain
    When the symptoms are assessed
    Then "Hip joint condition (arthritis or bursitis)" is raised as another cause to discuss
    And the triage level is "consultation"

    Examples:
      | history              |
      | arthritis in the hip |
      | hip bursitis         |

  Scenario Outline: A hip replacement with pain around the hip
    Given a person reporting hip replacement and <symptom>
    When the symptoms are assessed
    Then the finding "Hip replacement with groin, hip or front-of-hip pain, or a snapping hip" is noted
    And "Complication after surgery" is raised as another cause to discuss
    And the triage level is "consultation"
    And the psoas score is <score>
    And a doctor is recommended

    Examples:
      | symptom           | score |
      | groin pain        | 32    |
      | hip pain          | 26    |
      | tight hip flexors | 30    |
      | snapping hip | 30 |

  Scenario Outline: Inflammatory arthritis anywhere, with pain in the psoas areas
    Given a person reporting rheumatoid arthritis and <pain>
    When the symptoms are assessed
    Then the finding "Inflammatory arthritis with back, hip, groin or buttock pain" is noted
    And the psoas score is <score>
    And psoas involvement is "unlikely"
    And the triage level is "consultation"
    And a doctor is recommended
    And the reason to see a doctor mentions "inflammatory arthritis"

    Examples:
      | pain          | score |
      | low back pain | 8     |
      | groin pain    | 16    |

  Scenario: Inflammatory arthritis without pain in the psoas areas adds nothing
    Given a person reporting inflammatory arthritis and knee pain
    When the symptoms are assessed
    Then the finding "Inflammatory arthritis with back, hip, groin or buttock pain" is not noted

  Scenario: Recent surgery with pelvic pain
    Given a person reporting recent surgery and pelvic pain
    When the symptoms are assessed
    Then the finding "Recent surgery with groin, hip, low back or pelvic pain" is noted
    And "Complication after surgery" is raised as another cause to discuss
    And the triage level is "consultation"
    And the advice on what to avoid includes "After hip replacement or surgery, check before exercising"

  Scenario: After a hip replacement, groin pain and a snapping hip are likely the psoas tendon
    Given a person reporting hip replacement, groin pain and snapping hip
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And the psoas score is 52
    And the triage level is "consultation"
    And a doctor is recommended
    And a physiotherapist is recommended
