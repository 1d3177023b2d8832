Feature: Low back pain patterns
  The psoas attaches along the lumbar spine, so a tight or irritated psoas can be felt in the low
  back: at the base of the spine, in a strip beside it, as stiffness, or when sitting.
  Low back pain on its own is common for many reasons and weighs little; the more of the typical
  picture a person reports, the more likely the psoas is involved.

  Scenario Outline: One low back finding on its own is not enough to suspect the psoas
    Given a person reporting <finding>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And psoas involvement is "unlikely"
    And the psoas score is <score>
    And the triage level is "self-care"
    And no physiotherapist is recommended

    Examples:
      | finding                                | rule                                      | score |
      | low back pain | Low back pain | 4 |
      | pain where the spine meets the buttock | Pain at the lumbosacral junction          | 8     |
      | pain in a band beside the lower spine  | Vertical paraspinal band of low back pain | 10    |
      | low back stiffness | Low back stiffness or tightness | 3 |
      | pain when sitting                      | Pain while sitting                        | 5     |

  Scenario Outline: Low back pain with stiffness or with sitting adds to the picture
    Given a person reporting <findings>
    When the symptoms are assessed
    Then the finding "<combination>" is noted
    And the psoas score is <score>
    And psoas involvement is "<band>"

    Examples:
      | findings                                                     | combination                                         | score | band     |
      | low back pain and low back stiffness | Low back pain together with low back stiffness | 9 | unlikely |
      | sore lower back and pain when sitting | Low back pain that is present or worse when sitting | 15 | unlikely |
      | pain where the spine meets the buttock and pain when sitting | Low back pain that is present or worse when sitting | 19    | unlikely |
      | pain in a band beside the lower spine and low back stiffness | Low back pain together with low back stiffness | 15 | unlikely |

  Scenario: Stiffness without back pain is not counted as the back-pain combination
    Given a person reporting low back stiffness and pain when sitting
    When the symptoms are assessed
    Then the finding "Low back pain together with low back stiffness" is not noted
    And the finding "Low back pain that is present or worse when sitting" is not noted
    And psoas involvement is "unlikely"

  Scenario: A paraspinal band with stiffness and pain when sitting makes the psoas possible
    Given a person reporting pain in a band beside the lower spine, low back stiffness and pain when sitting
    And the pain started 4 days ago
    And the pain is 4 out of 10
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then psoas involvement is "possible"
    And the psoas score is 26
    And the triage level is "self-care"
    And a physiotherapist is recommended
    And the self-care advice includes "Change posture often"
    And the advice on what to avoid includes "Avoid long unbroken sitting"

  Scenario: The full low back picture with front-of-hip tightness stops at "possible" without a psoas sign
    Given a person reporting gutter pain, low back stiffness, pain when sitting and tight hip flexors
    When the symptoms are assessed
    Then psoas involvement is "possible"
    And the psoas score is 44
    And the triage level is "consultation"
    And the triage reasons mention "warning signs not checked"
    And a physiotherapist is recommended
    And no red flag is raised
