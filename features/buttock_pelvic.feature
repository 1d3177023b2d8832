Feature: Buttock, sacroiliac and pelvic pain
  A tight psoas can be felt in the buttock and over the sacroiliac joints at the back of the
  pelvis, and deep in the pelvis. Each of these alone weighs little; with the vertical band of
  pain beside the spine they point more at the psoas. Some combinations fit the sacroiliac joint
  or the pelvic floor as well, and those are raised as other causes to discuss.

  Scenario Outline: One buttock or pelvic finding on its own
    Given a person reporting <finding>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And the psoas score is 5
    And psoas involvement is "unlikely"
    And the triage level is "self-care"

    Examples:
      | finding         | rule                   |
      | buttock pain    | Buttock pain           |
      | gluteal pain    | buttock_pain           |
      | sacroiliac pain | Sacroiliac region pain |
      | si joint pain   | sacroiliac_pain        |
      | pelvic pain     | Pelvic pain            |

  Scenario: Pelvic pain raises the pelvic floor as another cause
    Given a person reporting pelvic pain
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then "Pelvic floor dysfunction" is raised as another cause to discuss
    And the triage level is "self-care"

  Scenario Outline: The paraspinal band spreading to the buttock or sacroiliac region
    Given a person reporting pain in a band beside the lower spine and <where>
    When the symptoms are assessed
    Then the finding "Paraspinal band pain spreading to the sacroiliac region or buttock" is noted
    And the psoas score is 23
    And psoas involvement is "possible"
    And a physiotherapist is recommended

    Examples:
      | where           |
      | buttock pain    |
      | sacroiliac pain |

  Scenario: Pain at the base of the spine with buttock pain
    Given a person reporting pain where the spine meets the buttock and buttock pain
    When the symptoms are assessed
    Then the finding "Lumbosacral pain together with buttock pain" is noted
    And the psoas score is 18
    And psoas involvement is "unlikely"

  Scenario Outline: Combinations that fit another structure as well
    Given a person reporting <findings>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And "<other cause>" is raised as another cause to discuss
    And the psoas score is 10
    And the triage level is "self-care"

    Examples:
      | findings                         | rule                                                                | other cause                  |
      | sacroiliac pain and buttock pain | Sacroiliac and buttock pain (consider sacroiliac joint dysfunction) | Sacroiliac joint dysfunction |
