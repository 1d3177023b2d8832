Feature: Movement: lifting the leg, getting up, standing upright, activity and rest
  The psoas lifts the thigh and holds the trunk upright. Pain or weakness when lifting the leg,
  pain when getting up from a chair, and trouble standing fully upright are among its typical
  signs; pain that is worse with activity and better with rest fits a muscle problem.

  Scenario Outline: One movement finding on its own
    Given a person reporting <finding>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And the psoas score is <score>
    And psoas involvement is "unlikely"
    And the triage level is "self-care"

    Examples:
      | finding                                          | rule                                                  | score |
      | pain when lifting the leg | Pain on lifting the leg (active hip flexion) | 12 |
      | weakness lifting the thigh                       | Weak hip flexion                                      | 10    |
      | pain getting up from sitting                     | Pain on changing position (sitting to standing)       | 8     |
      | trouble standing fully upright                   | Difficulty standing or holding fully upright          | 8     |
      | worse with walking, running, jumping or climbing | Pain worse with walking, running, jumping or climbing | 3 |
      | better with rest | Pain eased by rest | 2 |

  Scenario Outline: Movement findings that go together
    Given a person reporting <findings>
    When the symptoms are assessed
    Then the finding "<combination>" is noted
    And the psoas score is <score>
    And psoas involvement is "<band>"

    Examples:
      | findings                                                        | combination                                               | score | band     |
      | pain when lifting the leg and low back pain | Pain on lifting the leg felt in the low back or hip | 24 | possible |
      | pain getting up from sitting and trouble standing fully upright | Pain rising from sitting with difficulty standing upright | 26    | possible |
      | worse with exercise and better with rest | Mechanical pattern: worse with activity, better with rest | 8 | unlikely |

  Scenario: Worse with activity alone is not the mechanical pattern
    Given a person reporting worse with exercise
    And the person denies better with rest
    When the symptoms are assessed
    Then the finding "activity_worse_rest_better" is not noted
    And the psoas score is 3
