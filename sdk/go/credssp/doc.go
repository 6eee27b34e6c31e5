// Declarative CredSSP delegation (the PowerShell double hop) for Windows hosts, over WinRM.
package credssp
