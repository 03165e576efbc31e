Attribute VB_Name = "CBPT"
' Callbacks of the CBPT ribbon tab (customUI.xml): each button runs one entry point
' of cbpt_sheets.excel on the active workbook, through xlwings' RunPython.
Option Explicit

Sub Verify(control As IRibbonControl)
    RunPython "import cbpt_sheets.excel as x; x.verify()"
End Sub

Sub NextActions(control As IRibbonControl)
    RunPython "import cbpt_sheets.excel as x; x.next_actions()"
End Sub

Sub FollowupList(control As IRibbonControl)
    RunPython "import cbpt_sheets.excel as x; x.followup_list()"
End Sub

Sub CallBrief(control As IRibbonControl)
    RunPython "import cbpt_sheets.excel as x; x.call_brief()"
End Sub

Sub Dashboard(control As IRibbonControl)
    RunPython "import cbpt_sheets.excel as x; x.dashboard()"
End Sub
