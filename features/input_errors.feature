Feature: Reports that cannot be assessed are refused with a precise reason
  A report with an unknown symptom code, an impossible number or a contradiction is never
  guessed at: it is refused, the problem names the field, and a close valid code is suggested.

  Scenario Outline: An unknown symptom code is refused with a suggestion
    Given a report that <verb> the code "<code>"
    When the symptoms are assessed
    Then the report is rejected
    And the problem is in the field "<field>"
    And the rejection says "unknown symptom code"
    And "<suggestion>" is suggested

    Examples:
      | verb   | code        | field      | suggestion    |
      | lists  | groin_pian  | present[0] | groin_pain    |
      | lists  | hip_snaping | present[0] | hip_snapping  |
      | lists  | Groin pian  | present[0] | groin_pain    |
      | denies | fevre       | absent[0]  | fever         |
      | lists  | low_back    | present[0] | low_back_pain |

  Scenario Outline: Numbers outside their range are refused
    Given a person reporting groin pain
    And the report field "<field>" is <value>
    When the symptoms are assessed
    Then the report is rejected
    And the problem is in the field "<field>"
    And the rejection says "<message>"

    Examples:
      | field          | value | message                    |
      | pain_intensity | 11    | less than or equal to 10   |
      | pain_intensity | -1    | greater than or equal to 0 |
      | age            | 121   | less than or equal to 120  |
      | duration_days  | -3    | greater than or equal to 0 |
      | pain_intensity | "7"   | valid integer              |

  Scenario: A pain score written in plain words is checked the same way
    Given a person reporting groin pain
    And the pain is 12 out of 10
    When the symptoms are assessed
    Then the report is rejected
    And the problem is in the field "pain_intensity"

  Scenario: A finding both present and absent is a contradiction
    Given a person reporting groin pain and fever
    And the person denies fever
    When the symptoms are assessed
    Then the report is rejected
    And the rejection says "both present and absent: fever"

  Scenario: A finding denied and another present is not a contradiction
    Given a person reporting groin pain
    And the person denies fever
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "self-care"
    And no red flag is raised

  Scenario: An unknown report field is refused with the closest field
    Given a person reporting groin pain
    And the report field "pain_intensty" is 5
    When the symptoms are assessed
    Then the report is rejected
    And the problem is in the field "pain_intensty"
    And "pain_intensity" is suggested

  Scenario: Every problem is reported at once
    Given a report that lists the code "groin_pian"
    And a report that lists the code "hip_snaping"
    When the symptoms are assessed
    Then the report is rejected
    And 2 problems are reported
