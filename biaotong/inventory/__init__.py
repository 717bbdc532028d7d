"""The report inventory (报表清单): every report allowed to reach the grassroots, with its basis, frequency,
reach and admission outcome; and forms that arrive from outside it (表外表), counted per sending department."""
