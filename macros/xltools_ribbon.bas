Attribute VB_Name = "xltools_ribbon"
' Ribbon callbacks of the xltools add-in (built by: xltools addin build).
'
' Every button of the generated ribbon calls XlToolsRibbonAction; the button's Tag holds the
' operation id, so a new operation gets its button without any change here. RunPython comes
' from xlwings' custom add-in module, which passes the active workbook to xw.Book.caller().
' Keep this file ASCII: Chinese labels live in customUI.xml.
Option Explicit

Public Sub XlToolsRibbonAction(control As Object)
    Dim opId As String
    opId = control.Tag
    If opId = "" Then opId = control.Id
    opId = Replace(opId, "'", "")
    RunPython "import xltools.ribbon as r; r.run('" & opId & "')"
End Sub
