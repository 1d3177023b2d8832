@safety
Feature: Triage policy: how long, how bad, limping, surgery
  The triage level is the most urgent of every floor that applies: a red flag, pain lasting more
  than a week, severe pain (7 or more out of 10), a limp, recent surgery or a joint condition,
  and a likely psoas picture all call for at least a consultation. Without any of them,
  self-care is reasonable. Adding a finding never lowers the level.

  Scenario Outline: How long the pain has lasted
    Given a person reporting low back pain
    And the pain started <when>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "<level>"

    Examples:
      | when         | level        |
      | today        | self-care    |
      | 3 days ago   | self-care    |
      | 7 days ago   | self-care    |
      | 8 days ago   | consultation |
      | 2 weeks ago  | consultation |
      | 4 months ago | consultation |

  Scenario: Pain for more than a week calls for a check-up with a doctor
    Given a person reporting low back pain
    And the pain has lasted 10 days
    When the symptoms are assessed
    Then the finding "Symptoms lasting more than a week" is noted
    And the triage level is "consultation"
    And the triage reasons mention "Symptoms lasting more than a week"
    And a doctor is recommended
    And the reason to see a doctor mentions "more than a week"
    And psoas involvement is "unlikely"

  Scenario Outline: How bad the pain is
    Given a person reporting low back pain
    And the pain is <intensity> out of 10
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "<level>"

    Examples:
      | intensity | level        |
      | 0         | self-care    |
      | 3         | self-care    |
      | 6         | self-care    |
      | 7         | consultation |
      | 10        | consultation |

  Scenario: Severe pain on its own calls for a consultation
    Given a person reporting nothing
    And the pain is 8 out of 10
    When the symptoms are assessed
    Then the finding "Severe pain (7 or more out of 10)" is noted
    And the triage level is "consultation"
    And the psoas score is 0
    And a physiotherapist is recommended

  Scenario: A limp calls for a consultation even when the psoas is unlikely
    Given a person reporting limping or shuffling
    When the symptoms are assessed
    Then the finding "Limping or shuffling gait" is noted
    And psoas involvement is "unlikely"
    And the triage level is "consultation"
    And the triage reasons mention "Limping or shuffling gait"

  Scenario: Recent surgery calls for a consultation even with no pain reported
    Given a person reporting recent surgery
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the triage reasons mention "Recent surgery"

  Scenario: Nothing worrying: self-care is reasonable
    Given a person reporting low back stiffness
    And the pain started 2 days ago
    And the pain is 3 out of 10
    And the person is 29 years old
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "self-care"
    And the person is told "Self-care is reasonable for now"
    And the advice on when to seek help includes "Pain that lasts or gets worse"
    And no red flag is raised

  Scenario Outline: Adding a finding never lowers the triage level
    Given a person reporting <start>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "<level>"
    And adding <more> does not lower the triage level

    Examples:
      | start                          | level        | more                                                               |
      | groin pain and snapping hip    | self-care    | pain travelling below the knee and numbness or tingling in the leg |
      | low back pain                  | self-care    | limping or shuffling                                               |
      | fever and groin pain           | urgent       | snapping hip and pain when lifting the leg                         |
      | numbness between the legs      | emergency    | groin pain, snapping hip and low back pain                         |
      | pain travelling below the knee | consultation | numbness or tingling in the leg                                    |

  Scenario Outline: Back or hip pain from the age of 50 asks for a professional's look
    Given a person reporting <findings>
    And the person is <age> years old
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "<level>"

    Examples:
      | findings      | age | level        |
      | low back pain | 49  | self-care    |
      | low back pain | 50  | consultation |
      | groin pain    | 75  | consultation |

  Scenario: A completed warning-sign checklist denies every warning sign not reported
    Given a person reporting groin pain
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "self-care"
    And adding fever raises the triage level to "urgent"
